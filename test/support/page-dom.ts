/**
 * The little DOM that browser-test predicates use inside `page.waitForFunction` (they run in
 * the page). The project's tsconfig has no DOM library, so it is declared here once.
 */
export interface DomElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}

declare global {
  const document: {
    querySelector(selector: string): DomElement | null;
    querySelectorAll(selector: string): ArrayLike<DomElement> & Iterable<DomElement>;
    body: { dataset: Record<string, string | undefined> };
  };
}
