// HtmlDocument.forms(): action/method resolution and the values a browser would submit.
import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../src/html/index.js';

const URL = 'https://shop.example/account/login?next=%2F#top';

const page = `<base href="https://shop.example/app/">
<form id="login" name="login" action="session/new#x" method="POST" enctype="multipart/form-data">
  <input type="hidden" name="csrf" value="t&amp;k">
  <input name="user" value="ann">
  <input type="password" name="pass">
  <input type="email" name="mail" value="a@b.c" disabled>
  <input type="checkbox" name="remember" checked>
  <input type="checkbox" name="news" value="yes">
  <input type="checkbox" name="topic" value="a" checked><input type="checkbox" name="topic" value="b" checked>
  <input type="radio" name="plan" value="free"><input type="radio" name="plan" value="pro" checked>
  <input type="file" name="avatar"><input type="reset" name="reset"><input type="button" name="noop" value="x">
  <input value="no name">
  <select name="country"><option value="fr">France</option><option value="de" selected>Germany</option></select>
  <select name="lang"><option disabled>Choose</option><option>  English  </option><option>French</option></select>
  <select name="tags" multiple><option selected>a</option><option>b</option><option selected value="c">C</option></select>
  <select name="empty"></select>
  <textarea name="bio">
Line one &amp; two</textarea>
  <fieldset disabled><legend><input name="in-legend" value="kept"></legend><input name="in-fieldset" value="x"></fieldset>
  <button name="action" value="login">Log in</button>
  <button type="button" name="other">Other</button>
  <input type="submit" name="commit" value="Go">
</form>
<input name="outside" value="o" form="login">
<form action=""><input name="q" value="kettle"></form>
<form method="dialog"><input name="d" value="1"></form>`;

describe('HtmlDocument.forms', () => {
  const [login, search, dialog] = parseHtml(page, { url: URL }).forms();

  it('finds every form', () => {
    expect(parseHtml(page, { url: URL }).forms()).toHaveLength(3);
    expect(parseHtml('<p>no forms</p>').forms()).toEqual([]);
  });

  it('resolves the action against the base URL and drops its fragment', () => {
    expect(login?.action).toBe('https://shop.example/app/session/new');
    expect(login?.method).toBe('POST');
    expect(login?.enctype).toBe('multipart/form-data');
    expect(login?.id).toBe('login');
    expect(login?.name).toBe('login');
    expect(login?.element.tag).toBe('form');
  });

  it('uses the page URL (not the base URL) for an empty action, and GET by default', () => {
    expect(search?.action).toBe('https://shop.example/account/login?next=%2F');
    expect(search?.method).toBe('GET');
    expect(search?.enctype).toBe('application/x-www-form-urlencoded');
    expect(dialog?.method).toBe('GET');
  });

  it('submits text, hidden and checked controls with browser defaults', () => {
    expect(login?.fields).toEqual({
      csrf: 't&k',
      user: 'ann',
      pass: '',
      remember: 'on',
      topic: 'a',
      plan: 'pro',
      country: 'de',
      lang: 'English',
      tags: 'a',
      bio: 'Line one & two',
      'in-legend': 'kept',
      outside: 'o',
    });
  });

  it('keeps repeated names in entries, in document order', () => {
    expect(login?.entries.filter(([name]) => name === 'topic' || name === 'tags')).toEqual([
      ['topic', 'a'],
      ['topic', 'b'],
      ['tags', 'a'],
      ['tags', 'c'],
    ]);
  });

  it('lists named submit buttons apart from the fields', () => {
    expect(login?.buttons).toEqual([
      { name: 'action', value: 'login' },
      { name: 'commit', value: 'Go' },
    ]);
  });

  it('leaves relative actions as written when the page URL is unknown', () => {
    const [form] = parseHtml('<form action="/post"><input name="a" value="1"></form>').forms();
    expect(form?.action).toBe('/post');
    expect(form?.fields).toEqual({ a: '1' });
  });

  it('treats a control named __proto__ as an ordinary field', () => {
    const [form] = parseHtml('<form><input name="__proto__" value="x"></form>').forms();
    expect(Object.keys(form?.fields ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(form?.fields)).toBe(Object.prototype);
  });
});
