import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examplePath = fileURLToPath(new URL('./fixtures/spec-example.scenario.json', import.meta.url));
const expected = JSON.parse(readFileSync(new URL('./fixtures/spec-example.expected.json', import.meta.url), 'utf8'));

function simulate(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/recurra.js', 'simulate', ...args], { cwd: root, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('recurra simulate (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'recurra-simulate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0: prints the invoices of the rules\' worked example as JSON on stdout', () => {
    const r = simulate([examplePath]);
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(expected);
    expect(r.stderr).to.equal('');
  });

  it('exit 0: reads the scenario from stdin with "-"', () => {
    const r = simulate(['-'], readFileSync(examplePath, 'utf8'));
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(expected);
  });

  it('exit 0: a line\'s own taxRate applies to it and its pro-rata adjustment; the scenario\'s rate stays the fallback', () => {
    const scenario = JSON.parse(readFileSync(examplePath, 'utf8'));
    scenario.lines[0].taxRate = '0.20';
    const r = simulate(['-'], JSON.stringify(scenario));
    expect(r.status, r.stderr).to.equal(0);
    // 1 Jan: 220.00 × 20% = 44.00 + 118.40 × 10% = 11.84; 1 Feb: (330.00 + 74.52) × 20% = 66.00 + 14.90, + 13.11
    expect(JSON.parse(r.stdout).invoices.map((i: { tax: string; total: string }) => [i.tax, i.total])).to.deep.equal([['55.84', '394.24'], ['94.01', '629.60']]);
  });

  it('exit 1: a scenario that breaks the rules, with messages naming the fields on stderr', () => {
    const scenario = JSON.parse(readFileSync(examplePath, 'utf8'));
    scenario.lines[0].links[0].free = -1;
    scenario.lines[0].links[0].subscription = 'nope';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(scenario));
    const r = simulate([file]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain('lines[0].links[0].free: must be a non-negative number');
  });

  it('exit 1: a rule problem found after the shape is valid', () => {
    const scenario = JSON.parse(readFileSync(examplePath, 'utf8'));
    scenario.lines[0].links[0].subscription = 'nope';
    const file = join(dir, 'unknown.json');
    writeFileSync(file, JSON.stringify(scenario));
    const r = simulate([file]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('lines[0].links[0].subscription: unknown subscription "nope"');
  });

  it('exit 2: missing file argument, unreadable file, invalid JSON', () => {
    expect(simulate([]).status).to.equal(2);
    const missing = simulate([join(dir, 'does-not-exist.json')]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.contain('cannot read scenario file');
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "currency": ');
    const broken = simulate([file]);
    expect(broken.status).to.equal(2);
    expect(broken.stderr).to.contain('is not valid JSON');
    expect(broken.stdout).to.equal('');
  });
});
