// The inbox, the start page: what waits for me (GET /api/v1/tasks: my tasks and my roles' that
// nobody else has claimed), most urgent first, filtered by workflow, role and state, paged
// through the API's cursors, and live: the feed's events upsert or drop tasks as they happen
// (keep a task while its `can` holds `complete`, docs/api.md), and a dropped connection resumes
// from its cursor.
import { useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { get, post, query, enc } from '../api.js';
import { onFeed } from '../feed.js';
import { t, lang, roleName } from '../i18n.js';
import { me } from '../session.js';
import { definitions, workflowTitle } from '../workflows.js';
import { Due, ErrorMessage, Loading, useTitle } from '../components/common.jsx';
import { loadGraph } from '../components/directory.js';
import { stateLabel } from '../components/labels.js';

const PAGE = 100;

// The list as a map by id, with the ids the feed closed (a page read before the close must not
// bring them back). While pages remain unread, `horizon` is the least urgent task read so far:
// a task the feed brings that sorts after it belongs to a page not read yet, and comes with it.
function reducer(state, action) {
  const tasks = new Map(state.tasks);
  const gone = new Set(state.gone);
  switch (action.type) {
    case 'reset':
      return { tasks: new Map(), gone: new Set(), next: null, horizon: null, loaded: false, error: null };
    case 'page': {
      for (const task of action.items) if (!gone.has(task.id)) tasks.set(task.id, task);
      const last = action.items[action.items.length - 1];
      return { ...state, tasks, next: action.next, horizon: action.next && last ? last : null, loaded: true, error: null };
    }
    case 'error':
      return { ...state, loaded: true, error: action.error };
    case 'snapshot':
      // The feed's snapshot: what waits, most urgent first. Before the first page is read it
      // would only race it; after, it refreshes what is shown (up to the horizon).
      if (!state.loaded) return state;
    // falls through
    case 'upsert':
      for (const task of action.items) {
        if (task.status === 'open' && (task.can || []).includes('complete')) {
          if (!tasks.has(task.id) && state.horizon && urgency(task, state.horizon) > 0) continue;
          tasks.set(task.id, { ...tasks.get(task.id), ...task });
          gone.delete(task.id);
        } else {
          tasks.delete(task.id);
          gone.add(task.id);
        }
      }
      return { ...state, tasks, gone };
    default:
      return state;
  }
}

function matches(task, filter) {
  return (!filter.workflow || task.workflow === filter.workflow)
    && (!filter.role || task.role === filter.role || (task.escalated_to || []).includes(filter.role))
    && (!filter.state || task.state === filter.state);
}

function urgency(a, b) {
  if (!!a.due_at !== !!b.due_at) return a.due_at ? -1 : 1;
  if (a.due_at && a.due_at !== b.due_at) return a.due_at < b.due_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function Inbox() {
  const [filter, setFilter] = useState({ workflow: '', role: '', state: '' });
  const [state, dispatch] = useReducer(reducer, { tasks: new Map(), gone: new Set(), next: null, horizon: null, loaded: false, error: null });
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(null);
  const [actionError, setActionError] = useState(null);
  useTitle(t('inbox.title'));

  const loadPage = (cursor) => get('/tasks' + query({ ...filter, limit: PAGE, cursor, lang: lang.value }))
    .then((page) => dispatch({ type: 'page', items: page.items, next: page.next }),
          (error) => dispatch({ type: 'error', error }));

  useEffect(() => {
    dispatch({ type: 'reset' });
    loadPage();
  }, [filter.workflow, filter.role, filter.state, lang.value]);

  useEffect(() => onFeed((message) => {
    if (message.type === 'snapshot') {
      if (message.reset || message.resync) { dispatch({ type: 'reset' }); loadPage(); }
      dispatch({ type: 'snapshot', items: message.items.filter((x) => matches(x, filter)) });
    } else if (message.task && matches(message.task, filter)) {
      dispatch({ type: 'upsert', items: [message.task] });
    }
  }), [filter.workflow, filter.role, filter.state]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(timer);
  }, []);

  const tasks = useMemo(() => [...state.tasks.values()].filter((x) => matches(x, filter)).sort(urgency),
                        [state.tasks, filter]);
  // The stages as people call them (each workflow's picture names its states), "stage — workflow"
  // where two workflows have a stage of the same name.
  const [graphs, setGraphs] = useState({});
  useEffect(() => {
    let live = true;
    Promise.allSettled(definitions.value.map((d) => loadGraph(d.name, d.version).then((g) => [d.name, g])))
      .then((r) => live && setGraphs(Object.fromEntries(r.filter((x) => x.status === 'fulfilled').map((x) => x.value))));
    return () => { live = false; };
  }, [definitions.value, lang.value]);
  const stage = (task) => stateLabel(task.state, graphs[task.workflow]);
  const states = useMemo(() => {
    const byState = new Map();
    for (const x of state.tasks.values()) if (!filter.workflow || x.workflow === filter.workflow) {
      byState.set(x.state, new Set([...(byState.get(x.state) || []), x.workflow]));
    }
    return [...byState].map(([id, workflows]) => ({
      id,
      label: [...workflows].map((w) => stateLabel(id, graphs[w]) + (workflows.size > 1 || !filter.workflow ? ` — ${workflowTitle(w)}` : '')).join(' / '),
    })).sort((a, b) => a.label.localeCompare(b.label));
  }, [state.tasks, graphs, filter.workflow]);

  async function act(task, action) {
    setBusy(task.id);
    setActionError(null);
    try {
      const result = await post(`/tasks/${enc(task.id)}/${action}`, {});
      dispatch({ type: 'upsert', items: [result] });
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(null);
    }
  }

  const roles = (me.value && me.value.roles) || [];
  return (
    <section class="page inbox">
      <h1>{t('inbox.title')}</h1>
      <form class="filters" role="search" aria-label={t('inbox.filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>{t('inbox.workflow')}</span>
          <select value={filter.workflow} onChange={(e) => setFilter({ ...filter, workflow: e.currentTarget.value, state: '' })}>
            <option value="">{t('inbox.all_workflows')}</option>
            {definitions.value.map((d) => <option value={d.name}>{d.title}</option>)}
          </select>
        </label>
        <label>
          <span>{t('inbox.role')}</span>
          <select value={filter.role} onChange={(e) => setFilter({ ...filter, role: e.currentTarget.value })}>
            <option value="">{t('inbox.all_roles')}</option>
            {roles.map((r) => <option value={r}>{roleName(r)}</option>)}
          </select>
        </label>
        <label>
          <span>{t('inbox.state')}</span>
          <select value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value })}>
            <option value="">{t('inbox.all_states')}</option>
            {filter.state && !states.some((s) => s.id === filter.state) && <option value={filter.state}>{filter.state}</option>}
            {states.map((s) => <option value={s.id}>{s.label}</option>)}
          </select>
        </label>
      </form>
      <ErrorMessage error={actionError} />
      {!state.loaded ? <Loading /> : state.error ? <ErrorMessage error={state.error} /> : (
        <>
          <p class="count" role="status" aria-live="polite">{t(state.next ? 'inbox.count_more' : 'inbox.count', { count: tasks.length })}</p>
          {tasks.length === 0 ? <p class="empty">{t('inbox.empty')}</p> : (
            <ul class="tasks" aria-label={t('inbox.list')}>
              {tasks.map((task) => <TaskRow key={task.id} task={task} stage={stage(task)} now={now} busy={busy === task.id} act={act} />)}
            </ul>
          )}
          {state.next && (
            <button type="button" class="more" onClick={() => loadPage(state.next)}>{t('inbox.more')}</button>
          )}
        </>
      )}
    </section>
  );
}

function TaskRow({ task, stage, now, busy, act }) {
  const can = task.can || [];
  const mine = me.value && task.claimed_by === me.value.name;
  return (
    <li class={`task-row${task.overdue ? ' overdue' : ''}`} data-task={task.id}>
      <div class="task-main">
        <a class="task-title" href={`/tasks/${enc(task.id)}`} dir="auto">{task.title}</a>
        <div class="task-meta">
          <span class="workflow">{workflowTitle(task.workflow)}</span>
          <span class="stage">{stage}</span>
          <span class="role">{t('inbox.for_role', { role: roleName(task.role) })}</span>
          {task.claimed_by && <span class="claimed">{mine ? t('inbox.claimed_by_me') : t('inbox.claimed_by', { name: task.claimed_by })}</span>}
          {task.claimed_for && <span class="deputy">{t('inbox.for_person', { name: task.claimed_for })}</span>}
          {!task.claimed_by && task.deputy && me.value && task.deputy === me.value.name && task.assignee &&
            <span class="deputy">{t('inbox.for_person', { name: task.assignee })}</span>}
        </div>
      </div>
      <Due at={task.due_at} now={now} />
      <div class="task-actions">
        {can.includes('claim') && !task.claimed_by &&
          <button type="button" disabled={busy} onClick={() => act(task, 'claim')}
                  aria-label={t('inbox.claim_named', { title: task.title })}>{t('task.claim')}</button>}
        {can.includes('release') && task.claimed_by &&
          <button type="button" disabled={busy} onClick={() => act(task, 'release')}
                  aria-label={t('inbox.release_named', { title: task.title })}>{t('task.release')}</button>}
        <a class="button primary" href={`/tasks/${enc(task.id)}`} aria-label={t('inbox.open_named', { title: task.title })}>{t('inbox.open')}</a>
      </div>
    </li>
  );
}
