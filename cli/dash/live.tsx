/**
 * The interactive dashboard in the terminal: drawn on the alternate screen, so that quitting (q,
 * Ctrl-C, SIGTERM, SIGHUP) leaves the terminal exactly as it was.
 */
import { render } from 'ink';
import { App, type AppProps } from './components/App.js';

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

export async function runDashboard(props: AppProps): Promise<void> {
  process.stdout.write(ENTER_ALTERNATE_SCREEN);
  const app = render(<App {...props} />, { exitOnCtrlC: true, patchConsole: true });
  const stop = () => app.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    process.stdout.write(LEAVE_ALTERNATE_SCREEN);
  }
}
