/**
 * The block `arachne parse` prints per page, and `run(handler)` in `arachne shell`: the page, the items the handler
 * yielded as JSON, the requests, and the error if it threw (in colour on a terminal).
 */
import type { Page } from '../crawler/page.js';
import type { Request } from '../crawler/request.js';
import type { ItemIssue } from '../items/index.js';
import type { Item } from '../storage/sink.js';

export interface PrinterOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Writes one block per page parsed: the page, then its items as JSON, then its requests. */
export class ResultPrinter {
  handlerFailed = false;

  constructor(
    private readonly out: PrinterOutput,
    private readonly colour: boolean,
  ) {}

  /** `invalid[i]`: what failed the validation of `items[i]`, shown under it (typed items). */
  print(
    page: Page,
    handler: string,
    items: Item[],
    requests: Request[],
    failure: unknown,
    invalid: readonly ItemIssue[][] = [],
  ): void {
    const paint = (code: string, text: string) =>
      this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
    const lines = [
      paint(
        '1',
        `>>> ${page.url}  [${page.status}]  handler ${handler}, depth ${page.request.depth}`,
      ),
      paint('36', `# Items (${items.length})`),
      ...items.map((item, index) => {
        const issues = invalid[index] ?? [];
        const json = paint(issues.length > 0 ? '31' : '32', JSON.stringify(item, null, 2));
        const notes = issues.map(({ field, message }) =>
          paint('31', `# invalid: ${field}: ${message}`),
        );
        return [json, ...notes].join('\n');
      }),
      paint('36', `# Requests (${requests.length})`),
      ...requests.map(
        (request) =>
          `${request.method} ${paint('33', request.url)} → ${request.handler}${Object.keys(request.data).length > 0 ? ` ${JSON.stringify(request.data)}` : ''}`,
      ),
    ];
    if (failure !== undefined) {
      this.handlerFailed = true;
      const message = failure instanceof Error ? failure.message : String(failure);
      lines.push(paint('31', `# Error: handler ${handler} threw: ${message.split('\n')[0]}`));
    }
    this.out.write(`${lines.join('\n')}\n\n`);
  }
}

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
export function colourWanted(out: PrinterOutput): boolean {
  return out.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}
