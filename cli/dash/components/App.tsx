import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useSyncExternalStore } from 'react';
import type { RoomSummary } from '../../../gateway/admin-schema.js';
import { GatewayPoller } from '../gateway-poller.js';
import { MIN_SIZE, tooSmall, type Size } from '../layout.js';
import { RoomWatch } from '../room-watch.js';
import { initialNavigation, navigate, selectedIndex } from '../navigation.js';
import { sortRooms } from '../rooms-sort.js';
import type { DashSource } from '../source.js';
import { useTerminalSize, useTick } from '../use-terminal.js';
import { Header } from './Header.js';
import { RoomScreen } from './RoomScreen.js';
import { RoomsScreen } from './RoomsScreen.js';

export interface AppProps {
  source: DashSource;
  /** Open this room first (`--room`); `b` goes to the rooms list. */
  initialRoom?: string;
  /** A fixed terminal size (tests); default: the terminal's, following resizes. */
  size?: Size;
  /** Between polls of stats and rooms. Default 1000 ms. */
  pollMs?: number;
  /** Between frames (ages and rates move with time). Default 250 ms. */
  tickMs?: number;
  now?: () => number;
}

const noSubscription = () => () => {};
const zero = () => 0;

/** The dashboard: a header on every screen, then the rooms list or one room. */
export function App({ source, initialRoom, size: fixedSize, pollMs = 1_000, tickMs = 250, now = Date.now }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fixedSize);
  useTick(tickMs);

  const poller = useMemo(() => new GatewayPoller(source, { pollMs, now }), [source, pollMs, now]);
  useEffect(() => (poller.start(), () => poller.stop()), [poller]);
  useSyncExternalStore(poller.subscribe, poller.getVersion);

  const [nav, dispatch] = useReducer(navigate, initialRoom, initialNavigation);
  const watch = useMemo(() => (nav.roomId ? new RoomWatch(source, nav.roomId, { now }) : undefined), [source, nav.roomId, now]);
  useEffect(() => (watch?.start(), () => watch?.stop()), [watch]);
  useSyncExternalStore(watch?.subscribe ?? noSubscription, watch?.getVersion ?? zero);

  const rooms = poller.rooms ? sortRooms(poller.rooms.rooms, nav.sort) : undefined;
  const latestRooms = useRef<RoomSummary[]>([]);
  latestRooms.current = poller.rooms?.rooms ?? [];

  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) return exit();
    if (input === 'b' || key.escape || key.backspace || key.leftArrow) dispatch({ type: 'back' });
    else if (key.upArrow || input === 'k') dispatch({ type: 'move', by: -1, rooms: latestRooms.current });
    else if (key.downArrow || input === 'j') dispatch({ type: 'move', by: 1, rooms: latestRooms.current });
    else if (key.return || key.rightArrow) dispatch({ type: 'open', rooms: latestRooms.current });
    else if (input === 's') dispatch({ type: 'sort' });
  });

  if (tooSmall(size)) {
    return (
      <Text color="yellow">
        rtgw dash needs at least {MIN_SIZE.columns}x{MIN_SIZE.rows} (this terminal is {size.columns}x{size.rows}); q quits
      </Text>
    );
  }
  const t = now();
  return (
    <Box flexDirection="column" width={size.columns}>
      <Header url={source.url} link={poller.link} stats={poller.stats} lastAnswerAt={poller.lastAnswerAt} now={t} />
      {watch ? (
        <RoomScreen view={watch.model.view()} link={watch.link} size={size} now={t} />
      ) : (
        <RoomsScreen rooms={rooms} selected={selectedIndex(rooms ?? [], nav.selectedId)} sort={nav.sort} nodes={poller.stats?.nodes ?? []} history={poller.history} size={size} />
      )}
    </Box>
  );
}
