/**
 * Wires interpolation buffers to a provider: one buffer per remote member, fed from `transforms`
 * and dropped on `memberLeft` / a new `roomState`. A render loop calls `sample()` every frame.
 */
import { InterpolationBuffer, type InterpolationOptions, type SampledTransform } from './interpolation.js';
import type { RealtimeProvider } from './types.js';

export interface AvatarSmoother {
  /** Each remote member's transform to render now (`now` defaults to `provider.serverNow()`). */
  sample(now?: number): Map<string, SampledTransform>;
  dispose(): void;
}

export function createAvatarSmoother(provider: RealtimeProvider, options: InterpolationOptions = {}): AvatarSmoother {
  const buffers = new Map<string, InterpolationBuffer>();
  let selfId: string | null = null;
  const seed = () => {
    buffers.clear();
    const state = provider.getState();
    selfId = state.self?.userId ?? null;
    for (const m of state.members) {
      if (m.userId === selfId || !m.transform) continue;
      const b = new InterpolationBuffer(options);
      b.push(m.transform.ts, m.transform.p, m.transform.r);
      buffers.set(m.userId, b);
    }
  };
  seed();
  const offs = [
    provider.on('roomState', seed),
    provider.on('memberLeft', ({ userId }) => buffers.delete(userId)),
    provider.on('transforms', (list) => {
      for (const t of list) {
        if (t.userId === selfId) continue;
        let b = buffers.get(t.userId);
        if (!b) buffers.set(t.userId, (b = new InterpolationBuffer(options)));
        b.push(t.ts, t.p, t.r);
      }
    }),
  ];
  return {
    sample(now = provider.serverNow()) {
      const out = new Map<string, SampledTransform>();
      for (const [id, b] of buffers) {
        const s = b.sample(now);
        if (s) out.set(id, s);
      }
      return out;
    },
    dispose() {
      for (const off of offs) off();
      buffers.clear();
    },
  };
}
