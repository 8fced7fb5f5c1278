/** Where the user's focus was in a view that is rebuilt on every event, to find "the same" place again. */
export interface FocusSpot {
  /** A selector for the same control in the next render. */
  key: string;
  /** The step card the control was in, if any. */
  stepId?: string;
}

export function spotOf(el: Element): FocusSpot | undefined {
  const stepId = el.closest('[data-step-id]')?.getAttribute('data-step-id') ?? undefined;
  const at = (key: string): FocusSpot => (stepId ? { key, stepId } : { key });
  if (el.id) return at(`#${CSS.escape(el.id)}`);
  const action = el.getAttribute('data-action');
  if (stepId && action) return at(`[data-step-id="${CSS.escape(stepId)}"] [data-action="${action}"]`);
  if (stepId && el.matches('g.node')) return at(`g.node[data-step-id="${CSS.escape(stepId)}"]`);
  if (action) return at(`[data-action="${action}"]`);
  return stepId ? at(`#step-${CSS.escape(stepId)}`) : undefined;
}

const usable = (el: Element | null): el is Element => el !== null && !(el as HTMLButtonElement).disabled;

/**
 * Keeps keyboard focus in the workflow view although every event rebuilds it. It remembers the
 * last control the user focused there (a dialog in between keeps that memory; focus moved
 * elsewhere on the page, or a pointer press, forgets it), and after a re-render, or when focus fell
 * to <body> because the control that had it is gone, puts it back: on the same control; else, when a
 * decision removed it, on the same step card's next decision; else on the card itself
 * (tabindex=-1); else on the workflow's heading. While a decision is being sent its buttons are
 * disabled: the card holds the focus meanwhile, as a stand-in that is not remembered.
 */
export class FocusKeeper {
  private spot: FocusSpot | undefined;
  private standIn: Element | undefined;

  constructor(private readonly root: HTMLElement) {
    document.addEventListener('focusin', (ev) => this.focused(ev.target as Element));
    document.addEventListener('pointerdown', () => (this.spot = undefined), true);
  }

  private focused(el: Element): void {
    if (el === this.standIn) return;
    this.standIn = undefined;
    if (this.root.contains(el)) this.spot = spotOf(el);
    else if (!el.closest('dialog')) this.spot = undefined;
  }

  /** Rebuild the view with `build`, keeping focus where the user had it. */
  render(build: () => void): void {
    const active = document.activeElement;
    const lost = !active || active === document.body || active === this.standIn;
    const spot = active && !lost && this.root.contains(active) ? spotOf(active) : lost ? this.spot : undefined;
    build();
    if (spot) this.restore(spot);
  }

  /** Focus fell to <body> (a dialog's opener was re-rendered away): put it back. */
  regain(): void {
    const active = document.activeElement;
    if (this.spot && (!active || active === document.body)) this.restore(this.spot);
  }

  private restore(spot: FocusSpot): void {
    const same = this.root.querySelector(spot.key);
    if (usable(same)) return this.put(same);
    const card = spot.stepId ? document.getElementById(`step-${spot.stepId}`) : null;
    const buttons = card ? [...card.querySelectorAll('.step-actions button')] : [];
    const next = same ? undefined : buttons.find(usable);
    if (next) return this.put(next);
    const holder = card ?? document.getElementById('wf-title');
    if (!holder) return;
    // Disabled controls: a decision is on its way. Hold the focus nearby meanwhile, and come back
    // to the remembered control (or, once the decision removed it, to the card's next one).
    if (same || buttons.length) this.standIn = holder;
    this.put(holder);
  }

  private put(el: Element): void {
    (el as HTMLElement).focus({ preventScroll: true });
  }
}
