/**
 * Lists as the contracts page them (`page_size`, `page_token` in; `next_page_token` out): a
 * table that shows a page at a time with a "More" button while the server has more, and every
 * page at once for the choices of a form, which must offer every item.
 */
import { h, table } from "./dom.js";
import { act, type Status } from "./page.js";

/** The rows of one page and the token of the next ("" after the last). */
export interface ListPage<T> {
  items: T[];
  nextPageToken: string;
}

/** Rows a table shows at a time. */
export const TABLE_PAGE_SIZE = 25;

/** Every item of a list, page after page. */
export async function allPages<T>(load: (pageToken: string) => Promise<ListPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await load(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token !== "");
  return items;
}

/** A table of the first page, and a More button that appends the next while there is one. */
export function pagedTable<T>(
  headers: string[],
  first: ListPage<T>,
  row: (item: T) => Parameters<typeof table>[1][number],
  load: (pageToken: string) => Promise<ListPage<T>>,
  status: Status,
  attributes: Parameters<typeof table>[2] = {},
): HTMLElement {
  const rows = table(headers, first.items.map(row), attributes);
  const more = h("button", { type: "button", name: "more", class: "link" }, "More");
  let token = first.nextPageToken;
  more.hidden = token === "";
  more.addEventListener("click", () =>
    void act(more, status, async () => {
      const page = await load(token);
      rows.tBodies[0].append(...table(headers, page.items.map(row)).tBodies[0].rows);
      token = page.nextPageToken;
      more.hidden = token === "";
    }),
  );
  return h("div", { class: "paged" }, rows, more);
}
