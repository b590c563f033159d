// The picture of a workflow: its states and transitions from the compiled definition (GET
// /api/v1/definitions/{name}/versions/{v}/graph), laid out by elkjs (layered, top to bottom),
// drawn as SVG. With an instance it marks the current state ("Now here", not colour alone) and
// the path taken (states visited, transitions followed: bold). elkjs loads only on pages that
// draw; its bundled build runs in the page (no worker, no eval), as the CSP requires. Diagrams
// do not mirror in right-to-left pages.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t, lang, roleName, formatDateTime } from '../i18n.js';
import { workflowTitle } from '../workflows.js';
import { humanize, localText, stateLabel } from './labels.js';
import { loadGraph, loadDefinition, titledGraph } from './directory.js';
import { ErrorMessage, Loading } from './common.jsx';
import './picture.css';

const NAME_FONT = 14, SMALL_FONT = 12, LINE = 18, PAD_X = 14, PAD_Y = 10;
let elk = null;
let pictures = 0;

async function layoutEngine() {
  if (!elk) {
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    elk = new ELK();
  }
  return elk;
}

// Text widths, measured with the page's own font.
let canvas = null;
function measure(text, size, weight = 'normal') {
  canvas ||= document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const family = getComputedStyle(document.body).fontFamily || 'sans-serif';
  ctx.font = `${weight} ${size}px ${family}`;
  return Math.ceil(ctx.measureText(text).width);
}

// What each node says: its name, and a line on what happens there.
function nodeLines(node, graph, current, status) {
  const lines = [{ text: stateLabel(node.id, graph), size: NAME_FONT, weight: '600' }];
  let sub = null;
  if (node.task) sub = node.task.multi ? t('picture.task_each', { role: roleName(node.task.role) }) : t('picture.task', { role: roleName(node.task.role) });
  else if (node.invoke) sub = t(node.invoke.for_each ? 'picture.invoke_each' : 'picture.invoke', { workflow: workflowTitle(node.invoke.workflow) });
  else if (node.kind === 'choice') sub = t('picture.choice');
  else if (node.kind === 'final') sub = t('picture.final');
  else if (node.timers && node.timers.length) sub = t('picture.timers');
  if (sub) lines.push({ text: sub, size: SMALL_FONT, weight: 'normal' });
  if (node.id === current) lines.unshift({ text: t(status === 'cancelled' ? 'picture.cancelled_here' : status === 'finished' ? 'picture.ended_here' : 'picture.now_here'), size: SMALL_FONT, weight: '700', marker: true });
  return lines;
}

function edgeLabel(edge, byId, definition) {
  const from = byId[edge.from];
  const declared = definition && definition.events && definition.events[edge.event];
  switch (edge.kind) {
    case 'outcome': return (from && from.task && from.task.labels && from.task.labels[edge.event]) || humanize(edge.event);
    case 'child': return humanize(String(edge.event || '').split('.').pop());
    case 'timer': return t('picture.timer_edge', { event: humanize(edge.event) });
    case 'choice': return edge.description || (edge.guard !== undefined ? t('picture.if') : t('picture.otherwise'));
    default: return edge.description || (declared && declared.title && localText(declared.title)) || humanize(edge.event);
  }
}

// The states in the order a reader meets them: from the start, breadth first, then the rest;
// the ends last.
function readingOrder(graph) {
  const next = {};
  for (const e of graph.edges) if (e.to && !e.internal) (next[e.from] ||= []).push(e.to);
  const seen = new Set();
  const order = [];
  const queue = [graph.start];
  while (queue.length) {
    const id = queue.shift();
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (const n of next[id] || []) queue.push(n);
  }
  for (const n of graph.nodes) if (!seen.has(n.id)) order.push(n.id);
  // Ends last, so that breaking the workflow's cycles by this order turns back only the
  // transitions that really go back.
  const final = new Set(graph.nodes.filter((n) => n.kind === 'final').map((n) => n.id));
  return [...order.filter((id) => !final.has(id)), ...order.filter((id) => final.has(id))];
}

// Which transitions the path took: consecutive states joined by an edge with the event that
// moved it, or through choice states (which the history passes over).
function takenEdges(graph, path) {
  const taken = new Set();
  const visited = new Set(path.map((p) => p.state));
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
  const edges = graph.edges.map((e, i) => ({ ...e, i })).filter((e) => e.to && !e.internal);
  const between = (a, b, event) => {
    const direct = edges.filter((e) => e.from === a && e.to === b);
    const named = direct.filter((e) => e.event === event);
    return named.length ? named : direct;
  };
  for (let k = 1; k < path.length; k++) {
    const a = path[k - 1].state, b = path[k].state, event = path[k].event;
    const direct = between(a, b, event);
    if (direct.length) { direct.forEach((e) => taken.add(e.i)); continue; }
    // Through one or two choices.
    for (const first of edges.filter((e) => e.from === a && byId[e.to] && byId[e.to].kind === 'choice')) {
      const second = edges.filter((e) => e.from === first.to && e.to === b);
      if (second.length) { taken.add(first.i); second.forEach((e) => taken.add(e.i)); visited.add(first.to); continue; }
      for (const mid of edges.filter((e) => e.from === first.to && byId[e.to] && byId[e.to].kind === 'choice')) {
        const third = edges.filter((e) => e.from === mid.to && e.to === b);
        if (third.length) { [first, mid, ...third].forEach((e) => taken.add(e.i)); visited.add(first.to); visited.add(mid.to); }
      }
    }
  }
  return { taken, visited };
}

async function layout(graph, definition, current, status, taken, visited) {
  const engine = await layoutEngine();
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
  const order = readingOrder(graph);
  const children = [{ id: '__start', width: 14, height: 14 }];
  const info = {};
  for (const id of order) {
    const node = byId[id];
    const lines = nodeLines(node, graph, current, status);
    const width = Math.max(96, ...lines.map((l) => measure(l.text, l.size, l.weight))) + 2 * PAD_X + (node.kind === 'choice' ? 40 : 0);
    const height = lines.length * LINE + 2 * PAD_Y + (node.kind === 'choice' ? 16 : 0);
    info[id] = { node, lines };
    children.push({ id, width, height });
  }
  const edges = [{ id: '__start_edge', sources: ['__start'], targets: [graph.start], data: { start: true } }];
  graph.edges.forEach((e, i) => {
    if (!e.to || e.internal) return; // a transition that stays in its state is not drawn
    const text = edgeLabel(e, byId, definition);
    edges.push({
      id: `e${i}`, sources: [e.from], targets: [e.to],
      labels: text ? [{ text, width: measure(text, SMALL_FONT) + 8, height: SMALL_FONT + 6 }] : [],
      data: { edge: e, taken: taken.has(i) },
    });
  });
  const result = await engine.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeEdge': '10',
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeLabel': '3',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children,
    edges: edges.map(({ data, ...e }) => e),
  });
  const extra = Object.fromEntries(edges.map((e) => [e.id, e.data]));
  return {
    width: Math.ceil(result.width), height: Math.ceil(result.height),
    nodes: result.children.map((c) => ({ ...c, ...info[c.id], current: c.id === current, visited: visited.has(c.id) })),
    edges: result.edges.map((e) => ({ ...e, ...extra[e.id] })),
  };
}

const points = (s) => [s.startPoint, ...(s.bendPoints || []), s.endPoint].map((p) => `${p.x},${p.y}`).join(' ');

function Node({ n }) {
  const { node, lines, x, y, width: w, height: h } = n;
  const cls = ['node', node.kind, n.current && 'current', n.visited && 'visited', node.start && 'start'].filter(Boolean).join(' ');
  const top = y + (h - lines.length * LINE) / 2 + LINE / 2;
  return (
    <g class={cls}>
      <title>{lines.map((l) => l.text).join(' — ')}</title>
      {node.kind === 'choice'
        ? <polygon points={`${x},${y + h / 2} ${x + w / 2},${y} ${x + w},${y + h / 2} ${x + w / 2},${y + h}`} />
        : <rect x={x} y={y} width={w} height={h} rx={node.kind === 'final' ? h / 2 : 6} />}
      {node.kind === 'final' && <rect class="inner" x={x + 4} y={y + 4} width={w - 8} height={h - 8} rx={(h - 8) / 2} />}
      {lines.map((l, i) => (
        <text x={x + w / 2} y={top + i * LINE} font-size={l.size} font-weight={l.weight} class={l.marker ? 'marker' : undefined}
              text-anchor="middle" dominant-baseline="central">{l.text}</text>
      ))}
    </g>
  );
}

function Edge({ e, arrow, arrowTaken }) {
  if (!e.sections) return null;
  const workflowLevel = e.edge && e.edge.workflow_level;
  const cls = ['edge', e.taken && 'taken', workflowLevel && 'workflow-level', e.start && 'start-edge'].filter(Boolean).join(' ');
  return (
    <g class={cls}>
      {e.sections.map((s) => <polyline points={points(s)} marker-end={`url(#${e.taken ? arrowTaken : arrow})`} />)}
      {(e.labels || []).map((l) => (
        <g class="edge-label">
          <rect x={l.x} y={l.y} width={l.width} height={l.height} rx="3" />
          <text x={l.x + l.width / 2} y={l.y + l.height / 2} font-size={SMALL_FONT} text-anchor="middle" dominant-baseline="central">{l.text}</text>
        </g>
      ))}
    </g>
  );
}

// `workflow` and `version` name the definition; with an instance, `current` is its state,
// `path` the states it went through in order ([{state, event}] or names, oldest first), and
// `status` whether it still runs.
export function WorkflowPicture({ workflow, version, current, path = [], status }) {
  const [state, setState] = useState({ layout: null, graph: null, error: null });
  const box = useRef(null);
  const [ids] = useState(() => { pictures += 1; return { arrow: `arrow-${pictures}`, taken: `arrow-taken-${pictures}`, desc: `picture-path-${pictures}` }; });
  const steps = path.map((p) => (typeof p === 'string' ? { state: p } : p));
  const key = `${workflow}|${version}|${current || ''}|${status || ''}|${steps.map((s) => `${s.state}:${s.event || ''}`).join(',')}`;

  useEffect(() => {
    let live = true;
    setState({ layout: null, graph: null, error: null });
    Promise.all([loadGraph(workflow, version), loadDefinition(workflow, version).catch(() => null)])
      .then(async ([plain, definition]) => {
        const graph = titledGraph(plain, definition);
        const { taken, visited } = takenEdges(graph, steps);
        if (current) visited.add(current);
        const result = await layout(graph, definition, current, status, taken, visited);
        if (live) setState({ layout: result, graph, error: null, visited });
      })
      .catch((error) => live && setState({ layout: null, graph: null, error }));
    return () => { live = false; };
  }, [key, lang.value]);

  // Bring the current state into view.
  useEffect(() => {
    const el = box.current;
    const l = state.layout;
    if (!el || !l) return;
    const n = l.nodes.find((x) => x.current);
    if (!n) return;
    const top = Math.max(0, n.y + n.height / 2 - el.clientHeight / 2);
    const left = Math.max(0, n.x + n.width / 2 - el.clientWidth / 2);
    const rtl = getComputedStyle(el).direction === 'rtl';
    el.scrollTo({ top, left: rtl ? left - Math.max(0, l.width - el.clientWidth) : left });
  }, [state.layout]);

  if (state.error) return <ErrorMessage error={state.error} />;
  if (!state.layout) return <Loading />;
  const { layout: l, graph, visited } = state;
  const total = graph.nodes.length;
  const summary = current
    ? t('picture.summary', { state: stateLabel(current, graph), count: visited.size, total })
    : t('picture.summary_plain', { count: total });
  return (
    <div class="workflow-picture">
      <div class="picture" ref={box} tabIndex={0} role="region" aria-label={t('picture.region', { workflow: workflowTitle(workflow) })}>
        <svg role="img" aria-label={summary} aria-describedby={steps.length ? ids.desc : undefined}
             width={l.width} height={l.height} viewBox={`0 0 ${l.width} ${l.height}`} xmlns="http://www.w3.org/2000/svg">
          <defs>
            <marker id={ids.arrow} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrow" />
            </marker>
            <marker id={ids.taken} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrow taken" />
            </marker>
          </defs>
          {l.edges.map((e) => <Edge e={e} arrow={ids.arrow} arrowTaken={ids.taken} />)}
          {l.nodes.map((n) => (n.id === '__start'
            ? <circle class="start-dot" cx={n.x + n.width / 2} cy={n.y + n.height / 2} r={n.width / 2} />
            : <Node n={n} />))}
        </svg>
      </div>
      <p class="picture-legend" aria-hidden="true">
        {current && <span class="key current">{t('picture.legend_current')}</span>}
        {steps.length > 0 && <span class="key visited">{t('picture.legend_visited')}</span>}
        <span class="key final">{t('picture.legend_final')}</span>
        {steps.length > 1 && <span class="key taken">{t('picture.legend_taken')}</span>}
      </p>
      {steps.length > 0 && (
        <div class="visually-hidden" id={ids.desc}>
          <p>{t('picture.path_heading')}</p>
          <ol>
            {steps.map((s) => <li>{stateLabel(s.state, graph)}{s.at ? ` (${formatDateTime(s.at)})` : ''}</li>)}
          </ol>
        </div>
      )}
    </div>
  );
}

export default WorkflowPicture;
