/** Filler text and HTML escaping for the generated pages. */
import { pick, type Random, randomInt } from './prng.js';
import { filler } from './words.js';

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}

/** Lower-case, ASCII, hyphen-separated: 'Bath & Body' → 'bath-body'. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** One sentence of 8–16 filler words, capitalised, ending in a full stop. */
export function sentence(random: Random): string {
  const count = randomInt(random, 8, 16);
  let text = pick(random, filler);
  text = (text[0] ?? '').toUpperCase() + text.slice(1);
  for (let i = 1; i < count; i++) text += ` ${pick(random, filler)}`;
  return `${text}.`;
}

/** A paragraph of `min`–`max` sentences (plain text, no markup). */
export function paragraph(random: Random, min = 3, max = 6): string {
  const count = randomInt(random, min, max);
  let text = sentence(random);
  for (let i = 1; i < count; i++) text += ` ${sentence(random)}`;
  return text;
}

/** Cents as the shop shows them: 1234 → '$12.34'. */
export function formatPrice(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}
