import type { Logger } from '../logging/logger.js';

type Stopper = () => Promise<void>;

/**
 * Runs the registered stoppers in reverse order on SIGINT/SIGTERM and resolves when done;
 * a second signal while stopping exits at once.
 */
export function onShutdown(logger: Logger, stoppers: Stopper[]): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      (async () => {
        for (const stop of [...stoppers].reverse()) {
          try {
            await stop();
          } catch (err) {
            logger.error({ err }, 'error during shutdown');
          }
        }
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
        resolve(signal);
      })();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
