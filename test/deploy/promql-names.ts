/**
 * Which metric and label names a PromQL expression uses, and whether a set of exporters provides
 * them. Not a PromQL parser: enough of the grammar for dashboards and alert rules (selectors,
 * matchers, `by`/`without`/`on`/`ignoring` lists, functions, ranges, Grafana's `$vars` and
 * `label_values(metric, label)`), so that a renamed or invented metric is caught before a
 * dashboard goes blank in production.
 */

/** Metric name → the label names its series carry. */
export type Exported = Map<string, Set<string>>;

/** Parse Prometheus text exposition into metric names and their labels. */
export function parseExposition(text: string, into: Exported = new Map(), extraLabels: string[] = []): Exported {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/.exec(line);
    if (!m) continue;
    let labels = into.get(m[1]!);
    if (!labels) into.set(m[1]!, (labels = new Set(extraLabels)));
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(l[1]!);
  }
  return into;
}

/** What Prometheus adds itself: `up` per target, and job/instance on every scraped series. */
export const SCRAPE_LABELS = ['job', 'instance'];
export function withPrometheusSynthetics(exported: Exported): Exported {
  exported.set('up', new Set(SCRAPE_LABELS));
  return exported;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'atan2']);

export interface Refs {
  /** Each selector's metric and the labels its matchers name. */
  selectors: Array<{ metric: string; labels: string[] }>;
  /** Labels named in by/without/on/ignoring/group_* lists. */
  groupingLabels: string[];
}

export function promqlRefs(expr: string): Refs {
  const selectors: Refs['selectors'] = [];
  const groupingLabels: string[] = [];
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals
    .replace(/\$\{[^}]*\}|\$[A-Za-z_]\w*/g, '0') // Grafana variables
    .replace(/\[[^\]]*\]/g, ''); // ranges and subqueries
  const lv = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)/.exec(s);
  if (lv) return { selectors: [{ metric: lv[1]!, labels: [lv[2]!] }], groupingLabels: [] };
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, list: string) => {
    for (const l of list.split(',').map((x) => x.trim()).filter(Boolean)) groupingLabels.push(l);
    return ' ';
  });
  // A selector: a name (not a function call) optionally followed by {matchers}, or bare {matchers}.
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{([^}]*)\})?/g;
  for (let m; (m = re.exec(s)); ) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    const name = m[1];
    const after = s.slice(m.index + m[0].length).trimStart();
    const labels = m[3] ? [...m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((x) => x[1]!) : [];
    if (!name) continue; // a bare {matchers} selector: nothing to check it against
    if (m.index > 0 && /[\w.]/.test(s[m.index - 1]!)) continue; // the tail of a number or duration (15m, 1e3)
    if (!m[2] && (after.startsWith('(') || KEYWORDS.has(name.toLowerCase()))) continue; // a function or keyword
    selectors.push({ metric: name, labels });
  }
  return { selectors, groupingLabels };
}

/** Problems (one line each) for every expression naming a metric or label nobody exports. */
export function checkExpressions(sources: Array<{ where: string; expr: string }>, exported: Exported): string[] {
  const problems: string[] = [];
  for (const { where, expr } of sources) {
    const refs = promqlRefs(expr);
    const known = new Set<string>();
    for (const { metric, labels } of refs.selectors) {
      const have = exported.get(metric);
      if (!metric) continue;
      if (!have) {
        problems.push(`${where}: unknown metric ${metric} in ${JSON.stringify(expr)}`);
        continue;
      }
      for (const l of have) known.add(l);
      for (const l of labels) if (!have.has(l) && l !== '__name__') problems.push(`${where}: metric ${metric} has no label ${l} in ${JSON.stringify(expr)}`);
    }
    for (const l of refs.groupingLabels) if (known.size && !known.has(l)) problems.push(`${where}: no metric in ${JSON.stringify(expr)} has label ${l}`);
  }
  return problems;
}

/** Every PromQL expression of a Grafana dashboard: panel targets and templating queries. */
export function dashboardExpressions(dashboard: unknown): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const d = dashboard as { panels?: Array<{ title?: string; targets?: Array<{ expr?: string }> }>; templating?: { list?: Array<{ name?: string; definition?: string }> } };
  for (const p of d.panels ?? []) for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  for (const v of d.templating?.list ?? []) if (v.definition) out.push({ where: `variable $${v.name}`, expr: v.definition });
  return out;
}

/** Every `expr:` of a Prometheus rules file (YAML; block scalars `|` included), without a YAML parser. */
export function ruleExpressions(yaml: string): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const lines = yaml.split('\n');
  let alert = '?';
  for (let i = 0; i < lines.length; i++) {
    const a = /^\s*-\s*(?:alert|record):\s*(\S+)/.exec(lines[i]!);
    if (a) alert = a[1]!;
    const e = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!e) continue;
    if (e[2] !== '|' && e[2] !== '>') {
      out.push({ where: `rule ${alert}`, expr: e[2]! });
      continue;
    }
    const indent = e[1]!.length;
    const body: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > indent)) body.push(lines[++i]!.trim());
    out.push({ where: `rule ${alert}`, expr: body.join(' ') });
  }
  return out;
}
