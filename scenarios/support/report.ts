/**
 * Scenario results for people (one line per step and assertion, with timings, then a summary) and
 * for machines (`--json`, and JUnit XML through junit-report-builder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import junitModule, { type Builder } from 'junit-report-builder';
import type { ScenarioResult, RunnerHooks } from './runner.js';
import type { StepRecord } from './scenario.js';

// junit-report-builder is CommonJS: Node hands us module.exports, whose type TypeScript sees as `.default`.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as Builder;

/** Colour only on a TTY, and never with NO_COLOR (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

const paint = (on: boolean, code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function consoleReporter(write: (line: string) => void, colour: boolean): RunnerHooks {
  const green = paint(colour, 32);
  const red = paint(colour, 31);
  const dim = paint(colour, 2);
  const bold = paint(colour, 1);
  const yellow = paint(colour, 33);
  return {
    onStart(s) {
      write(`${bold(s.name)} ${dim('— ' + s.description)}`);
    },
    onRecord(_s, r) {
      write(`  ${recordLine(r, { green, red, dim })}`);
    },
    onEnd(r) {
      const time = dim(`(${seconds(r.durationMs)})`);
      if (r.status === 'passed') write(`${green('PASS')} ${r.name} ${time}\n`);
      else if (r.status === 'skipped') write(`${yellow('SKIP')} ${r.name}: ${r.message} ${time}\n`);
      else write(`${red('FAIL')} ${r.name}: ${r.message} ${time}\n`);
    },
  };
}

function recordLine(r: StepRecord, c: { green: (s: string) => string; red: (s: string) => string; dim: (s: string) => string }): string {
  const mark = r.ok ? c.green(r.kind === 'check' ? '✓' : '▸') : c.red('✗');
  const took = r.ms !== undefined ? c.dim(` (${Math.round(r.ms)} ms)`) : '';
  const detail = r.detail ? `: ${r.detail}` : '';
  return `${mark} ${r.title}${detail}${took}`;
}

export function summaryLines(results: ScenarioResult[]): string[] {
  const count = (s: ScenarioResult['status']) => results.filter((r) => r.status === s).length;
  const failed = results.filter((r) => r.status === 'failed');
  const lines = [`scenarios: ${results.length}, passed: ${count('passed')}, failed: ${failed.length}, skipped: ${count('skipped')}, time: ${seconds(results.reduce((t, r) => t + r.durationMs, 0))}`];
  for (const f of failed) lines.push(`  failed: ${f.name}: ${f.message}`);
  // The plain closing line CI systems read.
  lines.push(`${count('passed')} passed, ${failed.length} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
  return lines;
}

export function writeJson(file: string, results: ScenarioResult[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const body = {
    generatedAt: new Date().toISOString(),
    passed: results.every((r) => r.status !== 'failed'),
    scenarios: results.map((r) => ({ ...r, durationMs: Math.round(r.durationMs) })),
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
}

export function junitXml(results: ScenarioResult[]): string {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name('rtgw scenarios');
  for (const r of results) {
    const tc = suite.testCase().className('rtgw.scenario').name(r.name).time(r.durationMs / 1000);
    tc.standardOutput(r.records.map((rec) => recordLine(rec, { green: (s) => s, red: (s) => s, dim: (s) => s })).join('\n'));
    if (r.status === 'failed') tc.failure(r.message ?? 'failed');
    if (r.status === 'skipped') tc.skipped();
  }
  return builder.build();
}

export function writeJunit(file: string, results: ScenarioResult[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, junitXml(results));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
