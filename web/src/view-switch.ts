/**
 * Which view draws the room: the 3D view (room-view-3d.ts, loaded on demand with three.js) where
 * WebGL works, else the 2D map (room-view.ts), which is also one press of the "3D view" toggle
 * away for people who prefer it (`?view=2d` starts there). Until the 3D code has loaded, and for
 * good where WebGL is missing or its context is lost, the map draws.
 */
import { RoomView, type AvatarFrame, type RoomRenderer } from './room-view.js';

export interface ViewElements {
  map: HTMLCanvasElement;
  canvas3d: HTMLCanvasElement;
  /** `aria-pressed` while the 3D view shows; disabled where it cannot. */
  toggle: HTMLButtonElement;
  /** Says why the 3D view is not available. */
  note: HTMLElement;
  /** The 3D view's dimming overlay (the map draws its own). */
  overlay: HTMLElement;
}

export class ViewSwitch {
  webgl: 'loading' | 'available' | 'unavailable' = 'loading';
  private readonly map: RoomView;
  private view3d: RoomRenderer | null = null;
  private active: RoomRenderer;

  constructor(private readonly el: ViewElements, private wanted: '2d' | '3d') {
    this.map = new RoomView(el.map);
    this.active = this.map;
    el.toggle.addEventListener('click', () => {
      this.wanted = this.active.kind === '3d' ? '2d' : '3d';
      this.show();
    });
    this.show();
    void this.load3d();
  }

  get kind(): '2d' | '3d' {
    return this.active.kind;
  }

  draw(avatars: AvatarFrame[], overlay: string | null, now: number): boolean {
    if (this.active.kind === '3d') {
      this.el.overlay.hidden = overlay === null;
      if (overlay !== null && this.el.overlay.textContent !== overlay) this.el.overlay.textContent = overlay;
    }
    return this.active.draw(avatars, overlay, now);
  }

  lastFrame(): AvatarFrame[] {
    return this.active.lastFrame();
  }

  clear(): void {
    this.map.clear();
    this.view3d?.clear();
  }

  private async load3d(): Promise<void> {
    // three.js r163+ needs WebGL 2; ask a scratch canvas first so a browser without it never loads three.
    const probe = document.createElement('canvas').getContext('webgl2');
    if (!probe) return this.unavailable('this browser has no WebGL 2');
    // A software renderer (SwiftShader, llvmpipe) draws every pixel on the CPU: the 3D view then skips
    // multisampling and high-DPI resolution, which would otherwise cost more than the rest of a frame.
    const info = probe.getExtension('WEBGL_debug_renderer_info');
    const software = !!info && /swiftshader|llvmpipe|software/i.test(String(probe.getParameter(info.UNMASKED_RENDERER_WEBGL)));
    probe.getExtension('WEBGL_lose_context')?.loseContext();
    try {
      const { RoomView3D } = await import('./room-view-3d.js');
      this.view3d = new RoomView3D(this.el.canvas3d, () => this.unavailable('the WebGL context was lost'), { software });
    } catch (err) {
      return this.unavailable(`WebGL failed (${(err as Error).message})`);
    }
    this.webgl = 'available';
    this.show();
  }

  private unavailable(why: string): void {
    this.webgl = 'unavailable';
    this.view3d = null;
    this.el.note.textContent = `3D view unavailable: ${why}. Showing the map.`;
    this.show();
  }

  private show(): void {
    const three = this.wanted === '3d' && this.view3d !== null;
    this.active = three && this.view3d ? this.view3d : this.map;
    this.el.canvas3d.hidden = !three;
    this.el.map.hidden = three;
    if (!three) this.el.overlay.hidden = true;
    this.el.toggle.disabled = this.webgl !== 'available';
    this.el.toggle.setAttribute('aria-pressed', String(three));
  }
}
