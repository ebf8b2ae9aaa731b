/**
 * The room in 3D, on three.js: the 20 x 20 m floor with a 1 m grid, every member as a capsule in
 * its colour with a nose showing where it faces and its name on a label above, this user's own
 * avatar ringed on the floor, and a camera that follows it from behind and above. The camera never
 * turns, so screen up stays world -z and W / the up arrow walk "into" the screen, as on the 2D map.
 *
 * This file is bundled separately (room-3d.js, with three) and loaded by main.ts only where WebGL
 * works; where it does not, the page keeps the 2D map (room-view.ts). Like the map, it only draws
 * what the page passes each frame and remembers it for the page's snapshot.
 */
import {
  AmbientLight, CanvasTexture, CapsuleGeometry, Color, ConeGeometry, DirectionalLight, GridHelper, Group,
  HemisphereLight, Mesh, MeshStandardMaterial, PerspectiveCamera, PlaneGeometry, RingGeometry, SRGBColorSpace,
  Scene, Sprite, SpriteMaterial, Vector2, Vector3, WebGLRenderer, MeshBasicMaterial,
} from 'three';
import { colourFor } from './dom.js';
import { FLOOR_HALF } from './movement.js';
import type { AvatarFrame, RoomRenderer } from './room-view.js';

/** Camera offset from the followed avatar (m): behind (+z) and above, looking at its chest. */
const CAMERA_OFFSET = new Vector3(0, 9, 10);
const LOOK_HEIGHT = 0.8;
/** How quickly the camera catches up with the avatar (fraction of the gap closed per 16 ms). */
const CAMERA_FOLLOW = 0.18;
const CAPSULE_RADIUS = 0.32;
const CAPSULE_LENGTH = 0.9;

interface AvatarNode {
  group: Group;
  body: Group;
  label: Sprite;
  labelText: string;
  ring: Mesh;
}

export class RoomView3D implements RoomRenderer {
  readonly kind = '3d';
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(50, 1, 0.1, 200);
  private readonly nodes = new Map<string, AvatarNode>();
  private readonly target = new Vector3(0, LOOK_HEIGHT, 0);
  private drawn: AvatarFrame[] = [];
  private lastDrawAt = 0;
  private lost = false;
  /** What the last render showed (avatars, camera, size): an unchanged scene is not rendered again. */
  private shown = '';
  private readonly maxPixelRatio: number;

  /** Throws where WebGL is unavailable (three's "Error creating WebGL context"): the page then keeps the map. */
  constructor(private readonly canvas: HTMLCanvasElement, onLost: () => void, options: { software?: boolean } = {}) {
    this.renderer = new WebGLRenderer({ canvas, antialias: !options.software, powerPreference: 'low-power' });
    this.maxPixelRatio = options.software ? 1 : 2;
    this.renderer.outputColorSpace = SRGBColorSpace;
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      this.lost = true;
      onLost();
    });
    this.scene.background = new Color('#dfe4ea');
    this.scene.add(new HemisphereLight('#ffffff', '#9aa5b4', 1.6), new AmbientLight('#ffffff', 0.35));
    const sun = new DirectionalLight('#ffffff', 1.6);
    sun.position.set(6, 14, 8);
    this.scene.add(sun);

    const floor = new Mesh(new PlaneGeometry(2 * FLOOR_HALF, 2 * FLOOR_HALF), new MeshStandardMaterial({ color: '#fbfcfe' }));
    floor.rotation.x = -Math.PI / 2;
    this.scene.add(floor);
    const grid = new GridHelper(2 * FLOOR_HALF, 2 * FLOOR_HALF, '#9aa5b4', '#d3d9e1');
    grid.position.y = 0.002; // just above the floor, so it does not flicker through it
    this.scene.add(grid);
    this.camera.position.copy(this.target).add(CAMERA_OFFSET);
    this.camera.lookAt(this.target);
  }

  lastFrame(): AvatarFrame[] {
    return this.drawn.map((a) => ({ ...a }));
  }

  clear(): void {
    for (const id of [...this.nodes.keys()]) this.remove(id);
    this.drawn = [];
    this.shown = '';
  }

  dispose(): void {
    this.clear();
    this.renderer.dispose();
  }

  draw(avatars: AvatarFrame[], _overlay: string | null, now: number): boolean {
    if (this.lost) return false;
    const w = Math.round(this.canvas.clientWidth);
    const h = Math.round(this.canvas.clientHeight);
    if (w === 0 || h === 0) return false;
    const size = this.renderer.getSize(new Vector2());
    if (size.x !== w || size.y !== h) {
      this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, this.maxPixelRatio));
      this.renderer.setSize(w, h, false);
      this.camera.aspect = w / h;
      this.camera.updateProjectionMatrix();
    }

    const present = new Set<string>();
    for (const a of avatars) {
      present.add(a.userId);
      const node = this.nodes.get(a.userId) ?? this.add(a);
      node.group.position.set(a.x, 0, a.z);
      node.body.rotation.y = a.yaw; // forward is (sin yaw, cos yaw) in x/z: +z rotated by yaw about +Y
      node.ring.visible = a.self;
      const text = a.self ? `${a.name} (you)` : a.name;
      if (text !== node.labelText) this.setLabel(node, text);
      if (a.self) this.follow(a, now);
    }
    for (const id of [...this.nodes.keys()]) if (!present.has(id)) this.remove(id);

    const shown = `${w}x${h} ${this.camera.position.x.toFixed(4)},${this.camera.position.z.toFixed(4)} ${avatars.map((a) => `${a.userId}:${a.x},${a.z},${a.yaw}:${a.name}`).join(' ')}`;
    if (shown !== this.shown) this.renderer.render(this.scene, this.camera); // else the canvas already shows this frame
    this.shown = shown;
    this.lastDrawAt = now;
    this.drawn = avatars.map((a) => ({ ...a }));
    return true;
  }

  private follow(a: AvatarFrame, now: number): void {
    const dt = this.lastDrawAt ? Math.min(now - this.lastDrawAt, 100) : 1000;
    const k = 1 - (1 - CAMERA_FOLLOW) ** (dt / 16);
    this.target.x += (a.x - this.target.x) * Math.min(1, k);
    this.target.z += (a.z - this.target.z) * Math.min(1, k);
    this.camera.position.copy(this.target).add(CAMERA_OFFSET);
    this.camera.lookAt(this.target);
  }

  private add(a: AvatarFrame): AvatarNode {
    const colour = new Color(colourFor(a.userId));
    const material = new MeshStandardMaterial({ color: colour, roughness: 0.55 });
    const body = new Group();
    const capsule = new Mesh(new CapsuleGeometry(CAPSULE_RADIUS, CAPSULE_LENGTH, 6, 16), material);
    capsule.position.y = CAPSULE_RADIUS + CAPSULE_LENGTH / 2;
    // The nose: a cone pointing along the avatar's +z, at head height, so its facing reads from any side.
    const nose = new Mesh(new ConeGeometry(0.14, 0.38, 16), new MeshStandardMaterial({ color: '#111827' }));
    nose.rotation.x = Math.PI / 2;
    nose.position.set(0, CAPSULE_LENGTH + CAPSULE_RADIUS * 0.9, CAPSULE_RADIUS + 0.12);
    body.add(capsule, nose);
    const ring = new Mesh(new RingGeometry(0.5, 0.66, 40), new MeshBasicMaterial({ color: '#111827' }));
    ring.rotation.x = -Math.PI / 2;
    ring.position.y = 0.01;
    const label = new Sprite(new SpriteMaterial({ depthTest: false, transparent: true }));
    label.position.y = CAPSULE_LENGTH + 2 * CAPSULE_RADIUS + 0.45;
    label.renderOrder = 10;
    const group = new Group();
    group.add(body, ring, label);
    this.scene.add(group);
    const node: AvatarNode = { group, body, label, labelText: '', ring };
    this.nodes.set(a.userId, node);
    return node;
  }

  /** The name on a dark rounded label, drawn into a canvas texture (redrawn only when the text changes). */
  private setLabel(node: AvatarNode, text: string): void {
    const scale = 2;
    const c = document.createElement('canvas');
    const ctx = c.getContext('2d')!;
    const font = `600 ${14 * scale}px system-ui, sans-serif`;
    ctx.font = font;
    const w = Math.ceil(ctx.measureText(text).width + 16 * scale);
    const h = 24 * scale;
    c.width = w;
    c.height = h;
    ctx.font = font;
    ctx.fillStyle = 'rgba(17, 24, 39, 0.88)';
    ctx.beginPath();
    ctx.roundRect(0, 0, w, h, 6 * scale);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, w / 2, h / 2 + scale);
    const material = node.label.material;
    material.map?.dispose();
    const texture = new CanvasTexture(c);
    texture.colorSpace = SRGBColorSpace;
    material.map = texture;
    material.needsUpdate = true;
    const height = 0.42; // metres
    node.label.scale.set((height * w) / h, height, 1);
    node.labelText = text;
  }

  private remove(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.scene.remove(node.group);
    node.group.traverse((o) => {
      if (o instanceof Mesh) {
        o.geometry.dispose();
        (o.material as MeshStandardMaterial).dispose();
      }
    });
    node.label.material.map?.dispose();
    node.label.material.dispose();
    this.nodes.delete(id);
  }
}
