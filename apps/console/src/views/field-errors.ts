/**
 * The complaint lines of a form: each field's next to its control (which is then marked
 * `aria-invalid`), focus on the first bad field, as the edit form and the Preferences dialog both
 * show them.
 */
export class FieldErrors {
  private readonly spots = new Map<string, { line: HTMLElement; control: HTMLElement }>();

  /** A field's control and the element its complaint is written into. */
  add(key: string, control: HTMLElement, line: HTMLElement): void {
    this.spots.set(key, { line, control });
  }

  clear(): void {
    for (const { line, control } of this.spots.values()) {
      line.textContent = '';
      control.removeAttribute('aria-invalid');
    }
  }

  /**
   * Each complaint next to its field; focus moves to the marked field that comes first in the
   * form (the one a keyboard user meets first), whatever order the complaints came in. Returns
   * how many fields were marked (two complaints about one field mark one) and the complaints no
   * field of this form takes.
   */
  mark(list: ReadonlyArray<{ key: string; text: string }>): { marked: number; rest: string[] } {
    let first: HTMLElement | undefined;
    const marked = new Set<string>();
    const rest: string[] = [];
    for (const { key, text } of list) {
      const spot = this.spots.get(key);
      if (!spot) {
        rest.push(text);
        continue;
      }
      spot.line.textContent = text;
      spot.control.setAttribute('aria-invalid', 'true');
      if (!first || first.compareDocumentPosition(spot.control) & Node.DOCUMENT_POSITION_PRECEDING) first = spot.control;
      marked.add(key);
    }
    first?.focus();
    return { marked: marked.size, rest };
  }
}
