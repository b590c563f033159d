// The agreements and other workflow instances the reader may see (GET /api/v1/instances), newest
// first, filtered by workflow, stage, status, role, reference and, once a workflow is chosen, any
// field of its data (data.partner.country=JO), paged with the API's cursors ("Show more"). The
// filters live in the address (?workflow=agreement&status=running), so a filtered list can be
// bookmarked and shared.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { get, query, enc } from '../api.js';
import { t, lang, roleName, formatDateTime, formatNumber, ago } from '../i18n.js';
import { definitions, workflowTitle } from '../workflows.js';
import { ErrorMessage, Loading, useTitle } from '../components/common.jsx';
import { loadGraph, loadDefinition, titledGraph, loadUnits, unitName } from '../components/directory.js';
import { stateLabel, outcomeLabel, localText, humanize, valueLabel } from '../components/labels.js';
import './instances.css';

const PAGE = 50;
const FILTERS = ['workflow', 'state', 'status', 'role', 'key'];

export default function Instances() {
  const { query: q, route, path } = useLocation();
  const filter = Object.fromEntries(FILTERS.map((f) => [f, q[f] || '']));
  // Filters on the data: data.<path>=<value> (docs/api.md), kept as the address has them.
  const dataFilter = Object.fromEntries(Object.entries(q).filter(([k, v]) => k.startsWith('data.') && v !== ''));
  const [list, setList] = useState({ items: [], next: null, loaded: false, error: null, more: false });
  const [graphs, setGraphs] = useState({});
  const [keyText, setKeyText] = useState(filter.key);
  useTitle(t('instances.title'));

  const signature = FILTERS.map((f) => filter[f]).join('|') + JSON.stringify(dataFilter);
  const load = (cursor) => get('/instances' + query({ ...filter, ...dataFilter, limit: filter.key ? undefined : PAGE, cursor, lang: lang.value }));

  useEffect(() => {
    let live = true;
    setList({ items: [], next: null, loaded: false, error: null, more: false });
    load().then((page) => live && setList({ items: page.items, next: page.next, loaded: true, error: null, more: false }),
                (error) => live && setList({ items: [], next: null, loaded: true, error, more: false }));
    return () => { live = false; };
  }, [signature, lang.value]);

  useEffect(() => { setKeyText(filter.key); }, [filter.key]);

  // Every workflow's graph (latest version, with its states' titles): the stages and roles of
  // the filters, and the stages' names in the table.
  useEffect(() => {
    let live = true;
    Promise.allSettled(definitions.value.map((d) => Promise.all([loadGraph(d.name, d.version), loadDefinition(d.name, d.version).catch(() => null)])
      .then(([g, def]) => [d.name, titledGraph(g, def)]))).then((results) => {
      if (live) setGraphs(Object.fromEntries(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)));
    });
    return () => { live = false; };
  }, [definitions.value, lang.value]);
  const graph = graphs[filter.workflow] || null;
  const allRoles = [...new Set(Object.values(graphs).flatMap((g) => g.nodes.filter((n) => n.task).map((n) => n.task.role)))];

  const more = async () => {
    setList((l) => ({ ...l, more: true }));
    try {
      const page = await load(list.next);
      setList((l) => ({ ...l, items: [...l.items, ...page.items], next: page.next, more: false }));
    } catch (error) {
      setList((l) => ({ ...l, error, more: false }));
    }
  };

  const setFilter = (changes, data = dataFilter) => {
    const next = { ...filter, ...changes };
    // Another workflow: other stages, other data.
    const other = 'workflow' in changes && changes.workflow !== filter.workflow;
    if (other) next.state = '';
    route(path + query({ ...next, ...(other ? {} : data) }), true);
  };

  const states = graph ? graph.nodes.map((n) => n.id) : [];
  const roles = [...new Set([
    ...(graph ? graph.nodes.filter((n) => n.task).map((n) => n.task.role) : allRoles),
    ...(filter.role ? [filter.role] : []),
  ])].sort((a, b) => roleName(a).localeCompare(roleName(b)));

  return (
    <section class="page instances-page">
      <h1>{t('instances.title')}</h1>
      <form class="filters" role="search" aria-label={t('instances.filters')}
            onSubmit={(e) => { e.preventDefault(); setFilter({ key: keyText.trim() }); }}>
        <label>
          <span>{t('instances.workflow')}</span>
          <select value={filter.workflow} onChange={(e) => setFilter({ workflow: e.currentTarget.value })}>
            <option value="">{t('instances.all_workflows')}</option>
            {definitions.value.map((d) => <option value={d.name}>{d.title}</option>)}
          </select>
        </label>
        <label>
          <span>{t('instances.state')}</span>
          <select value={filter.state} disabled={!filter.workflow && !filter.state} onChange={(e) => setFilter({ state: e.currentTarget.value })}
                  aria-describedby={!filter.workflow ? 'instances-state-hint' : undefined}>
            <option value="">{t('instances.all_states')}</option>
            {filter.state && !states.includes(filter.state) && <option value={filter.state}>{stateLabel(filter.state, graph)}</option>}
            {states.map((s) => <option value={s}>{stateLabel(s, graph)}</option>)}
          </select>
          {!filter.workflow && <span class="hint" id="instances-state-hint">{t('instances.state_hint')}</span>}
        </label>
        <label>
          <span>{t('instances.status')}</span>
          <select value={filter.status} onChange={(e) => setFilter({ status: e.currentTarget.value })}>
            <option value="">{t('instances.all_statuses')}</option>
            <option value="running">{t('instance.status_running')}</option>
            <option value="finished">{t('instance.status_finished')}</option>
            <option value="cancelled">{t('instance.status_cancelled')}</option>
          </select>
        </label>
        <label>
          <span>{t('instances.role')}</span>
          <select value={filter.role} onChange={(e) => setFilter({ role: e.currentTarget.value })}>
            <option value="">{t('instances.all_roles')}</option>
            {roles.map((r) => <option value={r}>{roleName(r)}</option>)}
          </select>
        </label>
        <div class="key-filter">
          <label for="instances-key"><span>{t('instances.key')}</span></label>
          <div class="key-row">
            <input id="instances-key" type="search" dir="auto" value={keyText} onInput={(e) => setKeyText(e.currentTarget.value)} />
            <button type="submit">{t('instances.search')}</button>
          </div>
        </div>
      </form>
      {filter.workflow && <DataFilters workflow={filter.workflow} active={dataFilter} onChange={(data) => setFilter({}, data)} />}
      {(FILTERS.some((f) => filter[f]) || Object.keys(dataFilter).length > 0) && (
        <p class="clear-filters"><a href={path}>{t('instances.clear')}</a></p>
      )}
      {!list.loaded ? <Loading /> : list.error && !list.items.length ? <ErrorMessage error={list.error} /> : (
        <>
          <p class="count" role="status">{list.next ? t('instances.count_more', { count: list.items.length }) : t('instances.count', { count: list.items.length })}</p>
          {list.items.length > 0 && (
            <div class="table-wrap">
              <table class="instances">
                <caption class="visually-hidden">{t('instances.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('instances.col_name')}</th>
                    <th scope="col">{t('instances.col_workflow')}</th>
                    <th scope="col">{t('instances.col_state')}</th>
                    <th scope="col">{t('instances.col_status')}</th>
                    <th scope="col">{t('instances.col_updated')}</th>
                    <th scope="col" class="num">{t('instances.col_tasks')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((i) => <Row instance={i} graph={graphs[i.workflow]} />)}
                </tbody>
              </table>
            </div>
          )}
          {list.error && list.items.length > 0 && <ErrorMessage error={list.error} />}
          {list.next && (
            <button type="button" class="more" disabled={list.more} onClick={more}>{t('instances.more')}</button>
          )}
        </>
      )}
    </section>
  );
}

function Row({ instance: i, graph }) {
  const partner = i.data && i.data.partner;
  const name = partner && typeof partner === 'object' && partner.name ? partner.name : null;
  return (
    <tr>
      <th scope="row">
        <a href={`/instances/${enc(i.id)}`}><bdi>{name || i.key || i.id}</bdi></a>
        {name && i.key && <span class="sub"><bdi>{i.key}</bdi></span>}
        {i.parent && <span class="sub">{t('instances.part_of')}</span>}
      </th>
      <td>{workflowTitle(i.workflow)}</td>
      <td><bdi>{stateLabel(i.state, graph)}</bdi></td>
      <td><span class={`status-text ${i.status}`}>{t(`instance.status_${i.status}`)}</span>{i.outcome && i.status === 'finished' && <span class="sub"><bdi>{outcomeLabel(i.outcome, graph)}</bdi></span>}</td>
      <td><time dateTime={i.updated_at} title={formatDateTime(i.updated_at)}>{ago(i.updated_at)}</time></td>
      <td class="num">{formatNumber((i.tasks || []).length)}</td>
    </tr>
  );
}

// The fields of a data schema a list can be filtered on: its scalar members, those of its objects
// too ("partner › country"), each with its path, its title in the reader's language and schema.
function filterFields(schema, path = [], titles = []) {
  const out = [];
  for (const [name, s] of Object.entries((schema && schema.properties) || {})) {
    const title = [...titles, localText(s.title) || humanize(name)];
    if (s.type === 'object' || (!s.type && s.properties)) out.push(...filterFields(s, [...path, name], title));
    else if (s.type !== 'array') out.push({ path: ['data', ...path, name].join('.'), title: title.join(' › '), schema: s });
  }
  return out;
}

function DataFilters({ workflow, active, onChange }) {
  const [fields, setFields] = useState([]);
  const [units, setUnits] = useState(null);
  const [field, setField] = useState('');
  const [value, setValue] = useState('');
  useEffect(() => {
    let live = true;
    loadDefinition(workflow).then((d) => live && setFields(filterFields(d.data)), () => live && setFields([]));
    return () => { live = false; };
  }, [workflow, lang.value]);
  useEffect(() => { loadUnits().then(setUnits, () => {}); }, []);
  const chosen = fields.find((f) => f.path === field);
  const s = chosen ? chosen.schema : {};
  const shown = (f, v) => (f && (f.schema.enum || f.schema.labels) ? valueLabel(v, f.schema)
    : f && f.schema.format === 'unit' ? unitName(units, v) : v);
  const add = (e) => {
    e.preventDefault();
    if (!chosen || value.trim() === '') return;
    onChange({ ...active, [chosen.path]: value.trim() });
    setValue('');
  };
  if (!fields.length) return null;
  return (
    <form class="filters data-filters" aria-label={t('instances.data_filters')} onSubmit={add}>
      <label>
        <span>{t('instances.data_field')}</span>
        <select value={field} onChange={(e) => { setField(e.currentTarget.value); setValue(''); }}>
          <option value="">{t('instances.data_choose')}</option>
          {fields.map((f) => <option value={f.path}>{f.title}</option>)}
        </select>
      </label>
      <label>
        <span>{t('instances.data_value')}</span>
        {s.enum ? (
          <select value={value} disabled={!chosen} onChange={(e) => setValue(e.currentTarget.value)}>
            <option value="" />
            {s.enum.map((v) => <option value={String(v)}>{valueLabel(String(v), s)}</option>)}
          </select>
        ) : s.format === 'unit' && units ? (
          <select value={value} disabled={!chosen} onChange={(e) => setValue(e.currentTarget.value)}>
            <option value="" />
            {Object.keys(units).map((id) => <option value={id}>{unitName(units, id)}</option>)}
          </select>
        ) : s.type === 'boolean' ? (
          <select value={value} disabled={!chosen} onChange={(e) => setValue(e.currentTarget.value)}>
            <option value="" />
            <option value="true">{t('common.yes')}</option>
            <option value="false">{t('common.no')}</option>
          </select>
        ) : (
          <input type={s.type === 'number' || s.type === 'integer' ? 'number' : s.format === 'date' ? 'date' : 'text'}
                 dir="auto" value={value} disabled={!chosen} onInput={(e) => setValue(e.currentTarget.value)} />
        )}
      </label>
      <div class="data-add"><button type="submit" disabled={!chosen || value.trim() === ''}>{t('instances.data_add')}</button></div>
      {Object.keys(active).length > 0 && (
        <ul class="data-active" aria-label={t('instances.data_active')}>
          {Object.entries(active).map(([path, v]) => {
            const f = fields.find((x) => x.path === path);
            const label = `${f ? f.title : path.slice(5)}: ${shown(f, v)}`;
            return (
              <li key={path}>
                <bdi>{label}</bdi>
                <button type="button" class="link" aria-label={t('instances.data_remove', { filter: label })}
                        onClick={() => { const rest = { ...active }; delete rest[path]; onChange(rest); }}>×</button>
              </li>
            );
          })}
        </ul>
      )}
    </form>
  );
}
