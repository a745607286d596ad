import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('Configuration', () => {
  it('loads defaults for the environment and lets variables override them', () => {
    const c = loadConfig({ NODE_ENV: 'test', PORT: '8123', DATABASE_URL: 'mariadb://u:p@db:3306/recurra' });
    expect(c.env).to.equal('test');
    expect(c.http.port).to.equal(8123);
    expect(c.database.url).to.equal('mariadb://u:p@db:3306/recurra');
    expect(c.log.level).to.equal('silent');
  });

  it('names the key, its variable and what is expected for a bad value', () => {
    const err = errorOf(() => loadConfig({ NODE_ENV: 'test', PORT: 'eighty' }));
    expect(err).to.be.instanceOf(ConfigError);
    expect(err.message).to.include('http.port').and.include('PORT').and.include('port number').and.include('"eighty"');
  });

  it('reports every bad key at once', () => {
    const err = errorOf(() => loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'loud', RECURRA_SCHEDULER: 'maybe' }));
    expect(err.message).to.include('log.level').and.include('scheduler.enabled');
  });

  it('never echoes a secret value in the error', () => {
    const err = errorOf(() => loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://user:hunter2@x/db' }));
    expect(err.message).to.include('database.url').and.not.include('hunter2');
  });

  it('rejects an unknown environment name', () => {
    expect(errorOf(() => loadConfig({ NODE_ENV: 'staging' })).message).to.include('development, test, production');
  });
});
