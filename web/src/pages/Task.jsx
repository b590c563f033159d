// A task (GET /api/v1/tasks/{id}): what it asks, the form generated from its fields, and an
// outcome button each. Pressing one completes the task at once (POST .../complete: the server
// needs no claim first, docs/api.md), checked here as the server will check it, and the
// server's refusal shown at its field. Claim, release and (for leads) reassign follow the
// task's `can`. Beside it: the instance's data and its timeline. A closed task reads as it was
// completed; one the reader may not see is refused, never shown.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { get, post, api, enc } from '../api.js';
import { t, lang, roleName, formatDateTime, formatDay } from '../i18n.js';
import { me } from '../session.js';
import { workflowTitle } from '../workflows.js';
import { Due, ErrorMessage, Loading, useTitle, useLatest, useReloadOn, feedInstance, errorTitle, PageError } from '../components/common.jsx';
import { Fields, FieldValues, ErrorSummary, initialValues, validate, buildFields, serverErrors, useFocusFirstError } from '../components/Form.jsx';
import { Timeline } from '../components/Timeline.jsx';
import { InstanceData } from '../components/InstanceData.jsx';
import { loadUnits, unitName, loadPeople, namesIn, loadPeopleOf, loadGraph, loadDefinition, titledGraph } from '../components/directory.js';
import { humanize, stateLabel, outcomeLabel } from '../components/labels.js';
import './pages.css';
import './task.css';

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join(''));

// The task, then its instance, history, graph and definition (each may fail on its own: the task
// still shows).
async function loadAll(id) {
  const task = await get(`/tasks/${enc(id)}`);
  const [instance, history] = await Promise.allSettled([get(`/instances/${enc(task.instance)}`), get(`/instances/${enc(task.instance)}/history`)]);
  const inst = instance.status === 'fulfilled' ? instance.value : null;
  const [graph, definition] = inst
    ? await Promise.allSettled([loadGraph(inst.workflow, inst.version), loadDefinition(inst.workflow, inst.version)])
    : [{}, {}];
  return {
    task,
    instance: inst,
    instanceError: instance.status === 'rejected' ? instance.reason : null,
    history: history.status === 'fulfilled' ? history.value.items : null,
    graph: titledGraph(graph.value || null, definition.value),
    definition: definition.value || null,
  };
}

export default function Task(props) {
  const route = useRoute();
  const id = props.id || (route.params && route.params.id);
  const { data, error, setData, reload } = useLatest(loadAll, id);
  const [units, setUnits] = useState(null);
  const [people, setPeople] = useState({});
  useEffect(() => { loadUnits().then(setUnits, () => {}); }, []);

  // Someone else acting on the task or its instance: read it again.
  useReloadOn((m) => (m.task && m.task.id === id) || (data && feedInstance(m) === data.task.instance), reload, [id, data && data.task.instance]);

  const roles = useMemo(() => (data && data.graph ? data.graph.nodes.filter((n) => n.task).map((n) => n.task.role) : data ? [data.task.role] : []), [data && data.graph]);
  const names = useMemo(() => (data ? namesIn(data.task, data.history, data.instance && data.instance.data) : []), [data]);
  useEffect(() => { if (data) loadPeople(roles, names).then(setPeople, () => {}); }, [roles.join(','), names.join(',')]);

  useTitle(data ? data.task.title : error ? errorTitle('task', error) : t('task.loading_title'));

  if (error) return <PageError area="task" error={error} className="task-page" back={{ href: '/', text: t('task.back_to_inbox') }} />;
  if (!data) return <section class="page task-page"><Loading /></section>;
  return <TaskView data={data} setData={setData} reload={reload} units={units} people={people} />;
}

function TaskView({ data, setData, reload, units, people }) {
  const { task, instance, history, graph, definition } = data;
  const [done, setDone] = useState(null);
  const open = task.status === 'open';
  const can = task.can || [];
  const form = task.form || { outcomes: [], labels: {}, fields: {} };
  const labels = form.labels || {};
  const instanceHref = `/instances/${enc(task.instance)}`;

  const onAction = (result) => {
    const { instance_state: after, ...rest } = result;
    setData({ ...data, task: { ...rest, form: task.form }, instance: after || instance });
  };
  const onDone = (result) => {
    setDone(result);
    onAction(result);
    // The history grew: read it again for the timeline.
    get(`/instances/${enc(task.instance)}/history`).then((h) => setData((d) => ({ ...d, history: h.items })), () => {});
  };

  return (
    <section class="page task-page">
      <p class="breadcrumbs"><a href="/">{t('nav.inbox')}</a> <span aria-hidden="true" class="mirror">›</span> <a href={instanceHref}>{workflowTitle(task.workflow)}</a></p>
      <h1 dir="auto">{task.title}</h1>
      <Facts task={task} units={units} people={people} graph={graph} />
      {task.description && <p class="description" dir="auto">{task.description}</p>}
      {done && <Confirmation result={done} labels={labels} instanceHref={instanceHref} graph={graph} />}
      {open && <Actions task={task} onAction={onAction} units={units} />}
      <div class="columns">
        <div class="task-main-column">
          {open && can.includes('complete') && (
            <CompleteForm task={task} form={form} instance={instance} units={units} people={people} onDone={onDone} reload={reload} />
          )}
          {open && !can.includes('complete') && <CannotComplete task={task} people={people} />}
          {!open && <Closed task={task} form={form} units={units} people={people} />}
        </div>
        <div class="task-side-column">
          <section aria-labelledby="task-instance-heading">
            <h2 id="task-instance-heading">{t('task.instance_heading')}</h2>
            {instance ? (
              <>
                <p><a href={instanceHref}>{t('task.open_instance', { workflow: workflowTitle(instance.workflow) })}</a></p>
                {instance.parent && <p><a href={`/instances/${enc(instance.parent)}`}>{t('task.open_parent')}</a></p>}
                <p class="instance-state">{t('task.instance_state', { state: stateLabel(instance.state, graph) })}</p>
                <InstanceData data={instance.data} definition={definition} graph={graph} units={units} people={people} />
              </>
            ) : <ErrorMessage error={data.instanceError} />}
          </section>
          {history && (
            <section aria-labelledby="task-history-heading">
              <h2 id="task-history-heading">{t('task.history_heading')}</h2>
              <Timeline entries={history} instance={task.instance} tasks={instance ? instance.tasks : []} graph={graph}
                        definition={definition} people={people} units={units} />
            </section>
          )}
        </div>
      </div>
    </section>
  );
}

function Name({ name, people }) {
  const p = people && people[name];
  return <bdi title={name}>{(p && p.display_name) || name}</bdi>;
}

// The task's facts: workflow, stage, role, unit, deadline, who has it.
function Facts({ task, units, people, graph }) {
  const mine = me.value && task.claimed_by === me.value.name;
  return (
    <dl class="data task-facts">
      <dt>{t('task.workflow')}</dt><dd>{workflowTitle(task.workflow)}</dd>
      <dt>{t('task.stage')}</dt><dd><bdi>{stateLabel(task.state, graph)}</bdi></dd>
      <dt>{t('task.role')}</dt><dd>{roleName(task.role)}{task.escalated_to && task.escalated_to.length > 0 && <> · {t('task.escalated_to', { roles: task.escalated_to.map(roleName).join(t('form.list_separator')) })}</>}</dd>
      {task.unit && <><dt>{t('task.unit')}</dt><dd><bdi>{unitName(units, task.unit)}</bdi></dd></>}
      {task.assignee && <><dt>{t('task.assignee')}</dt><dd><Name name={task.assignee} people={people} />{task.deputy && <> · {t('task.deputy', { name: (people[task.deputy] && people[task.deputy].display_name) || task.deputy })}</>}</dd></>}
      <dt>{t('task.due')}</dt>
      <dd>{task.status === 'open' ? <><Due at={task.due_at} />{task.due_at && <span class="exact"> {formatDateTime(task.due_at)}</span>}</> : task.due_at ? formatDateTime(task.due_at) : t('common.no_deadline')}</dd>
      {task.status === 'open' && (
        <>
          <dt>{t('task.claim_state')}</dt>
          <dd>{!task.claimed_by ? t('task.unclaimed')
            : mine ? (task.claim_until ? t('task.claimed_by_you_until', { time: formatDateTime(task.claim_until) }) : t('task.claimed_by_you'))
            : <>{t('task.claimed_by_label')} <Name name={task.claimed_by} people={people} />{task.claim_until && <> · {t('task.until', { time: formatDateTime(task.claim_until) })}</>}</>}
            {task.claimed_for && <> · {t('task.for_person', { name: (people[task.claimed_for] && people[task.claimed_for].display_name) || task.claimed_for })}</>}
          </dd>
        </>
      )}
    </dl>
  );
}

// Claim, release, and for leads reassign.
function Actions({ task, onAction, units }) {
  const can = task.can || [];
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');
  const [candidates, setCandidates] = useState(null);
  const [assignee, setAssignee] = useState(task.assignee || '');

  useEffect(() => {
    if (can.includes('reassign')) loadPeopleOf(task.role).then(setCandidates, (e) => setError(e));
  }, [task.role, can.includes('reassign')]);

  const act = async (action, body, message) => {
    setBusy(true); setError(null); setStatus('');
    try {
      const result = await post(`/tasks/${enc(task.id)}/${action}`, body);
      onAction(result);
      setStatus(message);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (!can.includes('claim') && !can.includes('release') && !can.includes('reassign')) return null;
  const claimedByMe = me.value && task.claimed_by === me.value.name;
  return (
    <div class="task-tools">
      <div class="claim-buttons">
        {can.includes('claim') && !claimedByMe && (
          <button type="button" disabled={busy} onClick={() => act('claim', {}, t('task.claimed_now'))}>{t('task.claim')}</button>
        )}
        {can.includes('claim') && claimedByMe && (
          <button type="button" disabled={busy} onClick={() => act('claim', {}, t('task.claim_renewed'))}>{t('task.renew_claim')}</button>
        )}
        {can.includes('release') && task.claimed_by && (
          <button type="button" disabled={busy} onClick={() => act('release', {}, t('task.released_now'))}>{t('task.release')}</button>
        )}
      </div>
      {can.includes('reassign') && (
        <form class="reassign" onSubmit={(e) => { e.preventDefault(); act('reassign', { assignee }, assignee ? t('task.reassigned_now') : t('task.requeued_now')); }}>
          <label for="reassign-to">{t('task.reassign_to')}</label>
          <div class="reassign-row">
            <select id="reassign-to" value={assignee} disabled={busy || !candidates} onChange={(e) => setAssignee(e.currentTarget.value)}>
              <option value="">{t('task.role_queue', { role: roleName(task.role) })}</option>
              {task.assignee && candidates && !candidates.some((p) => p.name === task.assignee) && <option value={task.assignee}>{task.assignee}</option>}
              {(candidates || []).map((p) => (
                <option value={p.name}>
                  {p.display_name || p.name}
                  {p.units && p.units.length ? ` (${p.units.map((u) => unitName(units, u)).join(t('form.list_separator'))})` : ''}
                  {p.away ? ` — ${t('task.away_until', { date: formatDay(p.away.to) })}` : ''}
                </option>
              ))}
            </select>
            <button type="submit" disabled={busy || !candidates || assignee === (task.assignee || '')}>{t('task.reassign')}</button>
          </div>
        </form>
      )}
      <p class="action-status" role="status">{status}</p>
      <ErrorMessage error={error} />
    </div>
  );
}

function CannotComplete({ task, people }) {
  const other = task.claimed_by && !(me.value && task.claimed_by === me.value.name);
  return (
    <div class="notice cannot">
      {other
        ? <p>{t('task.claimed_by_other')} <Name name={task.claimed_by} people={people} />{task.claim_until ? <> · {t('task.until', { time: formatDateTime(task.claim_until) })}</> : null}</p>
        : <p>{t('task.cannot_complete')}</p>}
    </div>
  );
}

// The form and its outcome buttons.
function CompleteForm({ task, form, instance, units, people, onDone, reload }) {
  const fields = form.fields || {};
  const labels = form.labels || {};
  const prefill = useMemo(() => initialValues(fields, (instance && instance.data) || {}), [task.id, !!instance]);
  const [values, setValues] = useState(prefill);
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(null);
  const [token, setToken] = useState(0);
  const keyFor = useRef({ body: null, key: null });
  const ref = useRef(null);
  useFocusFirstError(ref, errors, 'f', token);
  useEffect(() => { setValues(prefill); }, [prefill]);

  const peopleList = useMemo(() => Object.values(people || {}).filter((p) => p.name).sort((a, b) => (a.display_name || a.name).localeCompare(b.display_name || b.name)), [people]);

  async function complete(outcome) {
    setProblem(null);
    const found = validate(fields, values, { outcome, unchanged: prefill });
    setErrors(found);
    setToken((n) => n + 1);
    if (Object.keys(found).length) return;
    const { value, map } = buildFields(fields, values, { outcome, unchanged: prefill });
    const body = { outcome, fields: value };
    if (comment.trim()) body.comment = comment;
    const text = JSON.stringify(body);
    if (keyFor.current.body !== text) keyFor.current = { body: text, key: newKey() };
    setBusy(outcome);
    try {
      const result = await api('POST', `/tasks/${enc(task.id)}/complete`, body, { headers: { 'Idempotency-Key': keyFor.current.key } });
      onDone(result);
    } catch (e) {
      const at = e.status === 422 ? serverErrors(e, map) : {};
      if (Object.keys(at).length) {
        setErrors(at);
        setToken((n) => n + 1);
      } else {
        setProblem(e);
        if (e.kind === 'task_closed' || e.kind === 'conflict') reload();
      }
    } finally {
      setBusy(null);
    }
  }

  return (
    <form class="task-form" ref={ref} noValidate onSubmit={(e) => e.preventDefault()} aria-labelledby="task-form-heading">
      <h2 id="task-form-heading">{t('task.form_heading')}</h2>
      <ErrorSummary errors={errors} fields={fields} prefix="f" />
      {problem && <ActionProblem error={problem} />}
      {Object.keys(fields).length > 0
        ? <Fields fields={fields} values={values} onChange={setValues} errors={errors} labels={labels} units={units}
                  people={peopleList} disabled={!!busy} />
        : <p class="field-help">{t('task.no_fields')}</p>}
      <div class="field">
        <label for="task-comment">{t('task.comment')}</label>
        <p class="field-help" id="task-comment-help">{t('task.comment_help')}</p>
        <textarea id="task-comment" dir="auto" rows={3} value={comment} disabled={!!busy} aria-describedby="task-comment-help"
                  onInput={(e) => setComment(e.currentTarget.value)} />
      </div>
      <div class="outcomes" role="group" aria-label={t('task.outcomes')}>
        {(form.outcomes || []).map((o, i) => (
          <button type="button" class={i === 0 ? 'primary' : undefined} disabled={!!busy} onClick={() => complete(o)}
                  aria-busy={busy === o ? 'true' : undefined}>
            {labels[o] || humanize(o)}
          </button>
        ))}
      </div>
      {busy && <p class="sending" role="status">{t('task.sending')}</p>}
    </form>
  );
}

// A refusal that is not about one field, in words for what it means here.
function ActionProblem({ error }) {
  const ref = useRef(null);
  useEffect(() => { if (ref.current) ref.current.focus(); }, [error]);
  const kind = error.kind;
  const headline = kind === 'no_transition' ? t('task.no_transition')
    : kind === 'task_closed' ? t('task.closed_meanwhile')
    : kind === 'conflict' ? t('task.conflict')
    : kind === 'instance_finished' ? t('task.instance_finished')
    : null;
  const detail = error.problem && error.problem.detail;
  if (!headline) return <div ref={ref} tabIndex={-1} class="problem-holder"><ErrorMessage error={error} /></div>;
  return (
    <div class="error" role="alert" tabIndex={-1} ref={ref}>
      <strong>{headline}</strong>
      {detail && <span class="server-detail" lang="en" dir="auto"> ({detail})</span>}
    </div>
  );
}

// After a completion: what happened, and where to go next.
function Confirmation({ result, labels, instanceHref, graph }) {
  const ref = useRef(null);
  useEffect(() => { if (ref.current) ref.current.focus(); }, []);
  const after = result.instance_state;
  const next = after && (after.tasks || []).find((x) => (x.can || []).includes('complete'));
  return (
    <div class="notice confirmation" role="status" tabIndex={-1} ref={ref}>
      <p><strong>{t('task.done', { outcome: labels[result.outcome] || humanize(result.outcome) })}</strong></p>
      {after && (after.status === 'running'
        ? <p>{t('task.moved_to', { state: stateLabel(after.state, graph) })}</p>
        : <p>{t('task.instance_ended', { outcome: outcomeLabel(after.outcome || after.state, graph) })}</p>)}
      <ul class="next-links">
        {next && <li><a href={`/tasks/${enc(next.id)}`}>{t('task.next_task', { title: next.title })}</a></li>}
        <li><a href="/">{t('task.back_to_inbox')}</a></li>
        <li><a href={instanceHref}>{t('task.see_instance')}</a></li>
      </ul>
    </div>
  );
}

// A closed task as it was left.
function Closed({ task, form, units, people }) {
  const labels = form.labels || {};
  return (
    <section class="closed" aria-labelledby="task-closed-heading">
      <h2 id="task-closed-heading">{task.status === 'completed' ? t('task.completed_heading') : t('task.cancelled_heading')}</h2>
      {task.status === 'completed' ? (
        <p>
          {t('task.completed_with', { outcome: labels[task.outcome] || humanize(task.outcome) })}{' '}
          {task.closed_by && <>{t('task.by')} <Name name={task.closed_by} people={people} /></>}
          {task.closed_for && <> ({t('task.for_person', { name: (people[task.closed_for] && people[task.closed_for].display_name) || task.closed_for })})</>}
          {task.closed_at && <>{' '}<time dateTime={task.closed_at}>{t('task.on', { time: formatDateTime(task.closed_at) })}</time></>}
        </p>
      ) : (
        <p>{t('task.cancelled')}{task.closed_at && <>{' '}<time dateTime={task.closed_at}>{t('task.on', { time: formatDateTime(task.closed_at) })}</time></>}</p>
      )}
      {task.status === 'completed' && (
        <>
          <h3>{t('task.answers')}</h3>
          <FieldValues fields={form.fields} values={task.fields || {}} units={units} people={people} />
          {task.comment && (
            <>
              <h3>{t('task.comment_given')}</h3>
              <blockquote class="comment" dir="auto">{task.comment}</blockquote>
            </>
          )}
        </>
      )}
    </section>
  );
}
