import { Graph, layout } from '@dagrejs/dagre';
import { h, s } from '../dom';
import { RISK_ICON, RISK_LABEL, STATE_ICON, stepStatusText } from '../labels';
import type { StepVM, WorkflowVM } from '../types';

const NODE_W = 224;
const NODE_H = 80;

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

/** Every dependency edge with its effect (from `requires`, else the dependency map's blocking flag). */
export function edgesOf(wf: WorkflowVM): GraphEdge[] {
  const ids = new Set(wf.steps.map((x) => x.id));
  const edges: GraphEdge[] = [];
  for (const step of wf.steps) {
    const deps = new Set<string>([...step.dependencies, ...(step.requires ?? []).map((r) => r.stepId), ...(wf.dependencies[step.id]?.dependsOn ?? [])]);
    for (const d of deps) {
      if (!ids.has(d) || d === step.id) continue;
      const req = step.requires?.find((r) => r.stepId === d);
      let label: string;
      if (req) label = req.resolution === 'ask_user' ? req.effect : `${req.effect} · ${req.resolution}`;
      else label = wf.dependencies[step.id]?.isBlocking === false ? 'enhances' : 'blocks';
      edges.push({ from: d, to: step.id, label });
    }
  }
  return edges;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The plan as a DAG laid out by dagre (top to bottom), each node showing its live state.
 * Nodes are focusable buttons that jump to the step's card.
 */
export function renderGraph(wf: WorkflowVM, onSelect: (stepId: string) => void): HTMLElement {
  const g = new Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 56, edgesep: 16, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of wf.steps) g.setNode(step.id, { width: NODE_W, height: NODE_H });
  const edges = edgesOf(wf);
  for (const e of edges) g.setEdge(e.from, e.to, { label: e.label, width: e.label.length * 6.4 + 12, height: 18, labelpos: 'c' });
  layout(g);

  const graphLabel = g.graph();
  const width = Math.max(Number(graphLabel.width ?? 0), NODE_W + 24);
  const height = Math.max(Number(graphLabel.height ?? 0), NODE_H + 24);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'graph-svg', role: 'group', 'aria-label': 'Dependency graph of the steps' });
  const defs = s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })));
  svg.appendChild(defs);

  for (const e of g.edges()) {
    const label = g.edge(e) as { points?: { x: number; y: number }[]; x?: number; y?: number; label?: string };
    const pts = label.points ?? [];
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const effect = String(label.label ?? '');
    const edgeGroup = s('g', { class: `edge effect-${effect.split(' ')[0]}`, 'data-from': e.v, 'data-to': e.w });
    edgeGroup.appendChild(s('path', { d, 'marker-end': 'url(#arrow)', class: 'edge-line' }));
    if (label.x !== undefined && label.y !== undefined) {
      const w = effect.length * 6.4 + 12;
      edgeGroup.appendChild(s('rect', { x: label.x - w / 2, y: label.y - 9, width: w, height: 18, rx: 9, class: 'edge-label-bg' }));
      edgeGroup.appendChild(s('text', { x: label.x, y: label.y + 4, 'text-anchor': 'middle', class: 'edge-label' }, effect));
    }
    svg.appendChild(edgeGroup);
  }

  for (const step of wf.steps) {
    const n = g.node(step.id);
    if (!n || n.x === undefined || n.y === undefined) continue;
    svg.appendChild(nodeElement(step, n.x - NODE_W / 2, n.y - NODE_H / 2, onSelect));
  }

  const described = h(
    'ul',
    { class: 'visually-hidden' },
    edges.map((e) => h('li', {}, `Step ${wf.steps.find((x) => x.id === e.to)?.order ?? e.to} depends on step ${wf.steps.find((x) => x.id === e.from)?.order ?? e.from} (${e.label})`)),
  );
  const legend = h(
    'p',
    { class: 'graph-legend' },
    'Arrows point from a step to the steps that need it; labels give the dependency effect (blocks, enhances, optional).',
  );
  const scroller = h('div', { class: 'graph-scroll' });
  scroller.appendChild(svg);
  return h('div', { class: 'graph' }, legend, scroller, described);
}

function nodeElement(step: StepVM, x: number, y: number, onSelect: (stepId: string) => void): SVGElement {
  const status = stepStatusText(step);
  const label = `Step ${step.order}: ${step.userFriendlyDescription || step.description}. ${RISK_LABEL[step.riskLevel]}. ${status}.`;
  const group = s('g', {
    class: `node state-${step.state} appr-${step.approvalStatus} risk-${step.riskLevel}`,
    transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
    tabindex: 0,
    role: 'button',
    'aria-label': label,
    'data-step-id': step.id,
    'data-state': step.state,
  });
  group.appendChild(s('title', {}, label));
  group.appendChild(s('rect', { width: NODE_W, height: NODE_H, rx: 10, class: 'node-box' }));
  group.appendChild(s('text', { x: 12, y: 23, class: 'node-title' }, shorten(`${step.order}. ${step.userFriendlyDescription || step.description}`, 28)));
  group.appendChild(s('text', { x: 12, y: 44, class: 'node-status' }, `${STATE_ICON[step.state] ?? ''} ${shorten(status, 30)}`));
  group.appendChild(s('text', { x: 12, y: 64, class: `node-risk risk-${step.riskLevel}` }, `${RISK_ICON[step.riskLevel]} ${RISK_LABEL[step.riskLevel] ?? step.riskLevel}`));
  group.appendChild(s('text', { x: NODE_W - 12, y: 64, 'text-anchor': 'end', class: 'node-action' }, shorten(step.action, 18)));
  if (step.state === 'running' && step.progress !== undefined) {
    group.appendChild(s('rect', { x: 0, y: NODE_H - 5, width: NODE_W, height: 5, rx: 2, class: 'node-progress-bg' }));
    group.appendChild(s('rect', { x: 0, y: NODE_H - 5, width: (NODE_W * Math.min(100, step.progress)) / 100, height: 5, rx: 2, class: 'node-progress' }));
  }
  const activate = () => onSelect(step.id);
  group.addEventListener('click', activate);
  group.addEventListener('keydown', (ev) => {
    const k = (ev as KeyboardEvent).key;
    if (k === 'Enter' || k === ' ') {
      ev.preventDefault();
      activate();
    }
  });
  return group;
}
