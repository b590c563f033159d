// An instance's history (GET /api/v1/instances/{id}/history) as sentences in the reader's language
// and time zone, oldest first: who did what to which task, reminders, deadlines passed,
// escalations, child workflows, cancellations, and each move from stage to stage. The entries'
// `detail` and stored `effects` (docs/api.md, History) carry what a sentence needs; task titles
// come from the completions' stored tasks and the instance's open tasks.
import { t, roleName, formatDateTime, ago } from '../i18n.js';
import { workflowTitle } from '../workflows.js';
import { localText, humanize, stateLabel, outcomeLabel } from './labels.js';
import { unitName } from './directory.js';
import { FieldValues } from './Form.jsx';
import './timeline.css';

const SYSTEM = new Set(['', 'system']);

// What the entries tell about the instance's tasks and children, for naming them.
export function historyFacts(entries, instanceId, openTasks = []) {
  const titles = {};
  const roles = {};
  const children = [];
  const full = (id) => (id && id.startsWith('.') ? instanceId + id : id);
  for (const task of openTasks) { titles[task.id] = task.title; roles[task.id] = task.role; }
  for (const e of entries || []) {
    for (const f of e.effects || []) {
      if (f.task && typeof f.task === 'object' && f.task.id) {
        const id = full(f.task.id);
        if (!titles[id] && f.task.title) titles[id] = localText(f.task.title);
        if (f.task.role) roles[id] = f.task.role;
      }
      if (f.type === 'child.started' && f.child) children.push({ id: f.child, workflow: f.workflow, at: e.at });
    }
  }
  return { titles, roles, children, full };
}

// The states the instance went through, in order (a stage entered twice is listed twice), with
// the events that moved it: [{state, event, at}].
export function pathOf(entries) {
  const path = [];
  for (const e of entries || []) {
    if (!e.to) continue;
    const last = path[path.length - 1];
    if (!last || last.state !== e.to) path.push({ state: e.to, event: (e.events || [])[0], from: e.from, at: e.at });
  }
  return path;
}

function Who({ name, people }) {
  if (SYSTEM.has(name || '')) return <span class="system">{t('common.system')}</span>;
  const p = people && people[name];
  return <bdi class="person-name" title={name}>{(p && p.display_name) || name}</bdi>;
}

// "“Endorse the proposal…”": a task by title, or by its id where the history does not say.
function TaskName({ id, facts }) {
  const title = facts.titles[id];
  return <q class="task-name" dir="auto">{title || t('timeline.a_task')}</q>;
}

// Who a notice went to: roles, people and units in words.
function whom(effect, people, units) {
  const names = [
    ...(effect.roles || []).map(roleName),
    ...(effect.people || []).map((n) => (people && people[n] && people[n].display_name) || n),
    ...(effect.units || []).map((u) => unitName(units, u)),
  ];
  return names.join(t('form.list_separator'));
}

// Fills a message's placeholders with elements: t() for the words, the pieces as given.
function sentence(key, parts, count) {
  const text = t(key, count === undefined ? undefined : { count });
  const out = [];
  let last = 0;
  text.replace(/\{(\w+)\}/g, (m, name, offset) => {
    out.push(text.slice(last, offset));
    out.push(name in parts ? parts[name] : m);
    last = offset + m.length;
    return m;
  });
  out.push(text.slice(last));
  return out;
}

function answerLabel(graph, state, outcome) {
  const node = graph && graph.nodes && graph.nodes.find((n) => n.id === state);
  const label = node && node.task && node.task.labels && node.task.labels[outcome];
  return label || humanize(outcome);
}

function eventTitle(definition, event) {
  const e = definition && definition.events && definition.events[event];
  return (e && e.title && localText(e.title)) || humanize(event);
}

// The sentences of one entry: the main one, then what followed from it.
function describe(e, ctx) {
  const { facts, people, graph, definition, units } = ctx;
  const d = e.detail || {};
  const who = <Who name={e.actor} people={people} />;
  const task = d.task ? <TaskName id={d.task} facts={facts} /> : null;
  const forWhom = d.for ? <> {sentence('timeline.for', { name: <Who name={d.for} people={people} /> })}</> : null;
  const lines = [];
  let main;
  let kind = e.input;
  switch (e.input) {
    case 'start':
      main = SYSTEM.has(e.actor || '') ? t('timeline.started_auto') : sentence('timeline.started', { who });
      break;
    case 'complete':
      main = <>{sentence('timeline.completed', { who, task, outcome: <q>{answerLabel(graph, e.from, d.outcome)}</q> })}{forWhom}</>;
      break;
    case 'claim':
      main = <>{sentence(e.note === 'renewed the claim' ? 'timeline.claim_renewed' : 'timeline.claimed', { who, task })}{forWhom}</>;
      break;
    case 'release':
      main = d.claimed_by && d.claimed_by !== e.actor
        ? sentence('timeline.released_other', { who, task, owner: <Who name={d.claimed_by} people={people} /> })
        : sentence('timeline.released', { who, task });
      break;
    case 'reassign':
      main = d.assignee
        ? sentence('timeline.reassigned', { who, task, to: <Who name={d.assignee} people={people} /> })
        : sentence('timeline.reassigned_queue', { who, task });
      break;
    case 'timer': {
      const effects = e.effects || [];
      const tid = d.timer && d.timer.replace(/\.w\d+$/, '');
      const taskId = (effects.find((f) => typeof f.task === 'string') || {}).task;
      const taskEl = taskId ? <TaskName id={facts.full(taskId)} facts={facts} /> : null;
      const notice = effects.find((f) => f.type === 'notify' && f.task);
      const to = notice ? whom(notice, people, units) : '';
      if (d.kind === 'task_reminder') {
        kind = 'reminder';
        main = to ? sentence('timeline.reminder_to', { task: taskEl, whom: <bdi>{to}</bdi> }) : sentence('timeline.reminder', { task: taskEl });
      } else if (d.kind === 'task_due') {
        kind = 'overdue';
        main = sentence('timeline.overdue', { task: taskEl });
      } else if (d.kind === 'task_escalation') {
        kind = 'escalation';
        const esc = effects.find((f) => f.type === 'task.escalated');
        main = sentence('timeline.escalated', { task: taskEl, role: <bdi>{roleName((esc && esc.role) || (notice && notice.roles && notice.roles[0]) || '')}</bdi> });
      } else {
        main = sentence('timeline.timer', { timer: <q>{humanize((e.events || [])[0] || tid || '')}</q> });
      }
      if (d.late_ms >= 60000) lines.push(t('timeline.late', { count: Math.round(d.late_ms / 60000) }));
      break;
    }
    case 'child': {
      const child = facts.children.find((c) => c.id === d.child);
      const name = child ? workflowTitle(child.workflow) : d.child;
      main = sentence('timeline.child_ended', { workflow: <a href={`/instances/${encodeURIComponent(d.child)}`}>{name}</a>, outcome: <q>{outcomeLabel(d.outcome)}</q> });
      break;
    }
    case 'event':
      main = SYSTEM.has(e.actor || '')
        ? sentence('timeline.event_auto', { event: <q>{eventTitle(definition, d.event)}</q> })
        : sentence('timeline.event', { who, event: <q>{eventTitle(definition, d.event)}</q> });
      break;
    case 'cancel':
      main = SYSTEM.has(e.actor || '') ? t('timeline.cancelled_auto') : sentence('timeline.cancelled', { who });
      if (d.reason) lines.push(<>{t('timeline.reason')} <bdi class="user-text">{d.reason}</bdi></>);
      break;
    case 'reschedule':
      main = t('timeline.rescheduled');
      break;
    default:
      main = sentence('timeline.other', { who, input: e.input });
  }
  if (e.input === 'event' && d.data && Object.keys(d.data).length) {
    const declared = definition && definition.events && definition.events[d.event];
    lines.push(
      <details class="answers">
        <summary>{t('timeline.answers')}</summary>
        <FieldValues fields={declared && declared.fields} values={d.data} people={people} units={units} />
      </details>,
    );
  }
  if (e.input === 'complete' && d.comment) lines.push(<blockquote class="comment" dir="auto">{d.comment}</blockquote>);
  if (e.input === 'complete' && d.fields && Object.keys(d.fields).length) {
    lines.push(
      <details class="answers">
        <summary>{t('timeline.answers')}</summary>
        <FieldValues values={d.fields} people={people} units={units} />
      </details>,
    );
  }
  const notes = { 'waiting for the other assignees': 'timeline.waiting_assignees', 'waiting for the other children': 'timeline.waiting_children' };
  if (e.note && notes[e.note]) lines.push(t(notes[e.note]));
  for (const f of e.effects || []) {
    if (f.type === 'notify' && !f.task && f.subject) {
      lines.push(sentence('timeline.notified', { whom: <bdi>{whom(f, people, units)}</bdi>, subject: <q dir="auto">{localText(f.subject)}</q> }));
    }
    if (f.type === 'workflow.started') {
      const href = `/instances?workflow=${encodeURIComponent(f.workflow)}${f.key ? `&key=${encodeURIComponent(f.key)}` : ''}`;
      lines.push(sentence('timeline.workflow_started', { workflow: <a href={href}>{workflowTitle(f.workflow)}</a> }));
    }
    if (f.type === 'child.started') {
      lines.push(sentence('timeline.child_started', { workflow: <a href={`/instances/${encodeURIComponent(f.child)}`}>{workflowTitle(f.workflow)}</a> }));
    }
  }
  if (e.from && e.to && e.from !== e.to) {
    lines.push(sentence('timeline.moved', { from: <bdi class="state">{stateLabel(e.from, graph)}</bdi>, to: <bdi class="state">{stateLabel(e.to, graph)}</bdi> }));
  } else if (e.input === 'start' && e.to) {
    lines.push(sentence('timeline.first_stage', { state: <bdi class="state">{stateLabel(e.to, graph)}</bdi> }));
  }
  if ((e.effects || []).some((f) => f.type === 'instance.finished')) {
    const end = (e.effects || []).find((f) => f.type === 'instance.finished');
    lines.push(sentence(end.status === 'cancelled' ? 'timeline.ended_cancelled' : 'timeline.ended', { outcome: <q>{outcomeLabel(end.outcome || e.to, graph)}</q> }));
  }
  return { main, lines, kind };
}

// `entries`: the history's items. Optional, for better names: `graph` (outcome labels, states),
// `definition` (event titles), `people` (name -> {display_name}), `units`, `tasks` (the
// instance's open tasks), `instance` (its id, for the stored relative task ids).
export function Timeline({ entries, instance, tasks, graph, definition, people, units, label, now = Date.now() }) {
  if (!entries) return null;
  if (!entries.length) return <p class="empty">{t('timeline.empty')}</p>;
  const facts = historyFacts(entries, instance, tasks);
  const ctx = { facts, people, graph, definition, units };
  return (
    <ol class="timeline" aria-label={label || t('timeline.title')}>
      {entries.map((e) => {
        const { main, lines, kind } = describe(e, ctx);
        return (
          <li key={e.id} class={`entry ${kind}`}>
            <p class="what">{main}</p>
            {lines.map((l) => <p class="then">{l}</p>)}
            <time dateTime={e.at} title={e.at}>{formatDateTime(e.at)} · {ago(e.at, now)}</time>
          </li>
        );
      })}
    </ol>
  );
}

export default Timeline;
