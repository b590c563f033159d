// One instance (GET /api/v1/instances/{id}): what it is and where it stands, what it waits for
// (its open tasks, its running sub-workflows and theirs, its timers), its data, the picture of
// its workflow with the way it went, its history, and for those who may, cancelling it.
// Sub-workflows come from the history (`child.started` effects), or from the view's `children`
// where the server gives them.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { get, post, enc } from '../api.js';
import { t, lang, roleName, formatDateTime } from '../i18n.js';
import { workflowTitle } from '../workflows.js';
import { Due, ErrorMessage, Loading, useTitle, useLatest, useReloadOn, feedInstance, errorTitle, PageError } from '../components/common.jsx';
import { Timeline, historyFacts, pathOf } from '../components/Timeline.jsx';
import { WorkflowPicture } from '../components/WorkflowPicture.jsx';
import { InstanceData } from '../components/InstanceData.jsx';
import { loadUnits, loadPeople, namesIn, loadGraph, loadDefinition, titledGraph } from '../components/directory.js';
import { humanize, stateLabel, outcomeLabel } from '../components/labels.js';
import './pages.css';
import './instance.css';

async function loadAll(id) {
  const instance = await get(`/instances/${enc(id)}`);
  const [history, graph, definition] = await Promise.allSettled([
    get(`/instances/${enc(id)}/history`),
    loadGraph(instance.workflow, instance.version),
    loadDefinition(instance.workflow, instance.version),
  ]);
  const entries = history.status === 'fulfilled' ? history.value.items : null;
  // The sub-workflows: the view's own list when the server gives one, else the history's.
  const listed = instance.children || (entries ? historyFacts(entries, id).children : []);
  const children = await Promise.all(listed.slice(0, 20).map((c) => get(`/instances/${enc(c.id)}`).then((x) => x, () => ({ ...c, unreadable: true }))));
  const parent = instance.parent ? await get(`/instances/${enc(instance.parent)}`).catch(() => null) : null;
  return {
    parent,
    instance,
    history: entries,
    historyError: history.status === 'rejected' ? history.reason : null,
    graph: titledGraph(graph.value || null, definition.value),
    definition: definition.value || null,
    children,
  };
}

// "Partnership agreement lifecycle: Universidad de Chile", or its id.
export function instanceName(instance) {
  const partner = instance.data && instance.data.partner;
  const name = partner && typeof partner === 'object' ? partner.name : typeof partner === 'string' ? partner : null;
  return name ? t('instance.name', { workflow: workflowTitle(instance.workflow), partner: name }) : t('instance.name', { workflow: workflowTitle(instance.workflow), partner: instance.id });
}

export default function Instance(props) {
  const route = useRoute();
  const id = props.id || (route.params && route.params.id);
  const { data, error, setData, reload } = useLatest(loadAll, id);
  const [units, setUnits] = useState(null);
  const [people, setPeople] = useState({});
  useEffect(() => { loadUnits().then(setUnits, () => {}); }, []);

  const childIds = data ? data.children.map((c) => c.id) : [];
  useReloadOn((m) => feedInstance(m) === id || childIds.includes(feedInstance(m)), reload, [id, childIds.join(',')]);

  const roles = useMemo(() => (data && data.graph ? data.graph.nodes.filter((n) => n.task).map((n) => n.task.role) : []), [data && data.graph]);
  const names = useMemo(() => (data ? namesIn(data.history, data.instance.tasks, data.instance.data) : []), [data]);
  useEffect(() => { if (data) loadPeople(roles, names).then(setPeople, () => {}); }, [roles.join(','), names.join(',')]);

  useTitle(data ? instanceName(data.instance) : error ? errorTitle('instance', error) : t('instance.loading_title'));

  if (error) return <PageError area="instance" error={error} className="instance-page" back={{ href: '/instances', text: t('instance.back_to_list') }} />;
  if (!data) return <section class="page instance-page"><Loading /></section>;
  const { instance, history, graph, definition, children } = data;
  const path = history ? pathOf(history) : [];
  return (
    <section class="page instance-page">
      <p class="breadcrumbs"><a href="/instances">{t('nav.instances')}</a>
        {instance.parent && <><span aria-hidden="true" class="mirror">›</span><a href={`/instances/${enc(instance.parent)}`}><bdi>{data.parent ? instanceName(data.parent) : t('instance.parent_link')}</bdi></a></>}
      </p>
      <h1><bdi>{instanceName(instance)}</bdi></h1>
      <Summary instance={instance} graph={graph} parent={data.parent} />
      {(instance.can || []).includes('cancel') && instance.status === 'running' && <Cancel instance={instance} onCancelled={reload} />}

      <section aria-labelledby="instance-picture-heading" class="picture-section">
        <h2 id="instance-picture-heading">{t('instance.picture_heading')}</h2>
        <WorkflowPicture workflow={instance.workflow} version={instance.version} current={instance.state} path={path} status={instance.status} />
      </section>

      <div class="columns">
        <div class="instance-main-column">
          <Waiting instance={instance} children={children} graph={graph} people={people} />
          {children.length > 0 && <Children children={children} />}
          <section aria-labelledby="instance-data-heading">
            <h2 id="instance-data-heading">{t('instance.data_heading')}</h2>
            <InstanceData data={instance.data} definition={definition} graph={graph} units={units} people={people} />
          </section>
        </div>
        <div class="instance-side-column">
          <section aria-labelledby="instance-history-heading">
            <h2 id="instance-history-heading">{t('instance.history_heading')}</h2>
            {history
              ? <Timeline entries={history} instance={instance.id} tasks={instance.tasks} graph={graph} definition={definition} people={people} units={units} />
              : <ErrorMessage error={data.historyError} />}
          </section>
        </div>
      </div>
    </section>
  );
}

function StatusBadge({ instance }) {
  const label = instance.status === 'running' ? t('instance.status_running')
    : instance.status === 'cancelled' ? t('instance.status_cancelled') : t('instance.status_finished');
  return <span class={`status-badge ${instance.status}`}>{label}</span>;
}

function Summary({ instance, graph, parent }) {
  return (
    <dl class="data instance-summary">
      <dt>{t('instance.status')}</dt>
      <dd><StatusBadge instance={instance} />{instance.outcome && instance.status !== 'running' && instance.outcome !== 'cancelled' && <> {t('instance.outcome', { outcome: outcomeLabel(instance.outcome, graph) })}</>}</dd>
      <dt>{t('instance.stage')}</dt>
      <dd><bdi>{stateLabel(instance.state, graph)}</bdi>{instance.status === 'running' && <span class="since"> · {t('instance.since', { time: formatDateTime(instance.entered_at) })}</span>}</dd>
      {instance.key && <><dt>{t('instance.key')}</dt><dd><bdi>{instance.key}</bdi></dd></>}
      <dt>{t('instance.started')}</dt><dd>{formatDateTime(instance.created_at)}</dd>
      <dt>{t('instance.updated')}</dt><dd>{formatDateTime(instance.updated_at)}</dd>
      {instance.parent && <><dt>{t('instance.parent')}</dt><dd><a href={`/instances/${enc(instance.parent)}`}><bdi>{parent ? instanceName(parent) : instance.parent}</bdi></a></dd></>}
      <dt>{t('instance.id')}</dt><dd><bdi class="id">{instance.id}</bdi> <span class="version">{t('instance.version', { version: instance.version })}</span></dd>
    </dl>
  );
}

// What the instance waits for: its open tasks, its running sub-workflows' tasks, its timers.
function Waiting({ instance, children, graph, people }) {
  if (instance.status !== 'running') return null;
  const running = children.filter((c) => c.status === 'running');
  const taskTitle = (id) => {
    const all = [...instance.tasks, ...running.flatMap((c) => c.tasks || [])];
    const task = all.find((x) => x.id === id);
    return task ? task.title : id;
  };
  return (
    <section aria-labelledby="instance-waiting-heading">
      <h2 id="instance-waiting-heading">{t('instance.waiting_heading')}</h2>
      {instance.tasks.length === 0 && running.length === 0 && <p class="empty">{t('instance.no_tasks')}</p>}
      {instance.tasks.length > 0 && <TaskList tasks={instance.tasks} people={people} />}
      {running.map((c) => (
        <div class="child-waiting">
          <p>{t('instance.waits_for_child')} <a href={`/instances/${enc(c.id)}`}>{workflowTitle(c.workflow)}</a>
            {c.state && <> · {t('instance.child_stage', { state: humanize(c.state) })}</>}</p>
          {(c.tasks || []).length > 0 && <TaskList tasks={c.tasks} people={people} />}
        </div>
      ))}
      {instance.timers.length > 0 && (
        <>
          <h3>{t('instance.timers_heading')}</h3>
          <ul class="timers">
            {[...instance.timers].sort((a, b) => (a.due_at < b.due_at ? -1 : 1)).map((timer) => (
              <li>
                <span class="timer-what">{timerText(timer, taskTitle)}</span>{' '}
                <time dateTime={timer.due_at}>{formatDateTime(timer.due_at)}</time>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function timerText(timer, taskTitle) {
  const task = timer.task ? <q dir="auto">{taskTitle(timer.task)}</q> : null;
  const parts = (key, extra) => {
    const text = t(key, { ...extra });
    const [before, after] = text.split('{task}');
    return after === undefined ? text : <>{before}{task}{after}</>;
  };
  switch (timer.kind) {
    case 'task_due': return parts('instance.timer_due');
    case 'task_reminder': return parts('instance.timer_reminder');
    case 'task_escalation': return parts('instance.timer_escalation');
    default: return t('instance.timer_state', { name: humanize(timer.name || timer.event || '') });
  }
}

function TaskList({ tasks, people }) {
  return (
    <ul class="open-tasks">
      {tasks.map((task) => (
        <li>
          <a href={`/tasks/${enc(task.id)}`} dir="auto">{task.title}</a>
          <span class="task-meta">
            <span>{t('instance.for_role', { role: roleName(task.role) })}</span>
            {task.assignee && <span>{t('instance.assigned_to', { name: (people[task.assignee] && people[task.assignee].display_name) || task.assignee })}</span>}
            {task.claimed_by && <span>{t('instance.claimed_by', { name: (people[task.claimed_by] && people[task.claimed_by].display_name) || task.claimed_by })}</span>}
            <Due at={task.due_at} />
          </span>
        </li>
      ))}
    </ul>
  );
}

function Children({ children }) {
  return (
    <section aria-labelledby="instance-children-heading">
      <h2 id="instance-children-heading">{t('instance.children_heading')}</h2>
      <ul class="children">
        {children.map((c) => (
          <li>
            <a href={`/instances/${enc(c.id)}`}>{workflowTitle(c.workflow)}</a>
            {!c.unreadable && c.status && <> · <StatusBadge instance={c} /> {c.status === 'running' ? t('instance.child_stage', { state: humanize(c.state) }) : c.outcome && c.outcome !== 'cancelled' ? outcomeLabel(c.outcome) : ''}</>}
          </li>
        ))}
      </ul>
    </section>
  );
}

// Cancelling: a reason, then a second, explicit press.
function Cancel({ instance, onCancelled }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const field = useRef(null);
  useEffect(() => { if (open && field.current) field.current.focus(); }, [open]);
  if (!open) {
    return <p class="cancel-open"><button type="button" class="danger" onClick={() => setOpen(true)}>{t('instance.cancel')}</button></p>;
  }
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      await post(`/instances/${enc(instance.id)}/cancel`, reason.trim() ? { reason: reason.trim() } : {});
      onCancelled();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form class="cancel-form" onSubmit={submit} aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">{t('instance.cancel_heading')}</h2>
      <p>{t('instance.cancel_explained')}</p>
      <label for="cancel-reason">{t('instance.cancel_reason')}</label>
      <textarea id="cancel-reason" ref={field} dir="auto" rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <ErrorMessage error={error} />
      <div class="outcomes">
        <button type="submit" class="danger" disabled={busy}>{t('instance.cancel_confirm')}</button>
        <button type="button" disabled={busy} onClick={() => { setOpen(false); setError(null); }}>{t('instance.cancel_keep')}</button>
      </div>
    </form>
  );
}
