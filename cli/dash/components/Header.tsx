import { Box, Text } from 'ink';
import type { StatsResponse } from '../../../gateway/admin-schema.js';
import { age, millis, plural, rate } from '../format.js';
import type { Link } from '../link.js';

export interface HeaderProps {
  url: string;
  link: Link;
  stats: StatsResponse | undefined;
  /** When the gateway last answered (shown while it does not). */
  lastAnswerAt: number | undefined;
  now: number;
}

/** Line 1: where the dashboard looks and whether the gateway answers; line 2: cluster totals, or why it does not answer. */
export function Header({ url, link, stats, lastAnswerAt, now }: HeaderProps) {
  return (
    <Box flexDirection="column">
      <Box>
        <Box flexShrink={0}>
          <Text bold>rtgw dash </Text>
        </Box>
        <Box flexShrink={0} marginRight={1}>
          <Text>{url.replace(/^https?:\/\//, '')}</Text>
        </Box>
        <LinkState link={link} now={now} brief />
        {link.status === 'up' && stats && (
          <Text wrap="truncate-end" dimColor>
            {' '}· {plural(stats.total.nodes, 'node')} · {stats.store.kind} {stats.store.ready ? 'ok' : 'DOWN'}
          </Text>
        )}
      </Box>
      {link.status === 'down' ? (
        <Text wrap="truncate-end">
          <Text color="red">{link.error}</Text>
          <Text dimColor>{lastAnswerAt === undefined ? ' · no answer yet' : ` · last answer ${age(now - lastAnswerAt)} ago`}</Text>
        </Text>
      ) : (
        <Totals stats={stats} />
      )}
    </Box>
  );
}

/** ● connected, ◌ connecting, ○ down with the reason and the retry countdown (`brief`: without the reason). */
export function LinkState({ link, now, label = '', brief = false }: { link: Link; now: number; label?: string; brief?: boolean }) {
  switch (link.status) {
    case 'connecting':
      return (
        <Text color="yellow" wrap="truncate-end">
          ◌ {label}connecting…
        </Text>
      );
    case 'up':
      return (
        <Text color="green" wrap="truncate-end">
          ● {label}connected
        </Text>
      );
    case 'down': {
      const wait = Math.max(0, Math.ceil((link.retryAt - now) / 1000));
      const what = link.kind === 'unauthorized' ? 'admin token refused' : link.kind === 'unreachable' ? 'unreachable' : 'error';
      return (
        <Text color="red" wrap="truncate-end">
          ○ {label}
          {what}, {wait > 0 ? `retry in ${wait}s` : 'retrying'}
          {brief ? '' : `: ${link.error}`}
        </Text>
      );
    }
  }
}

function Totals({ stats }: { stats: StatsResponse | undefined }) {
  if (!stats) return <Text dimColor>waiting for the gateway's stats…</Text>;
  const t = stats.total;
  const alarm = (n: number) => (n > 0 ? 'yellow' : undefined);
  return (
    <Text wrap="truncate-end">
      conns <Text bold>{t.connections}</Text>  in <Text bold>{rate(t.messagesInPerSec)}/s</Text>  out{' '}
      <Text bold>{rate(t.messagesOutPerSec)}/s</Text>  drops <Text color={alarm(t.drops)}>{t.drops}</Text>  rate-limited{' '}
      <Text color={alarm(t.rateLimitHits)}>{t.rateLimitHits}</Text>  auth-fail <Text color={alarm(t.authFailures)}>{t.authFailures}</Text>  loop{' '}
      {millis(t.eventLoopDelayP99Ms)}
    </Text>
  );
}
