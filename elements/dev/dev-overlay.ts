import { devWarningListeners } from './dev-mode.js';

const OVERLAY_CSS = `
:host{position:fixed;inset:auto 12px 12px auto;z-index:2147483647;max-width:min(28rem,calc(100vw - 24px));font:13px/1.4 system-ui,sans-serif}
.box{background:#fff8e1;color:#3e2700;border:1px solid #e0a800;border-radius:8px;box-shadow:0 4px 16px #0003;padding:8px 10px}
header{display:flex;justify-content:space-between;align-items:center;gap:8px;font-weight:600}
ul{margin:6px 0 0;padding:0 0 0 18px;max-height:12rem;overflow:auto}
li{margin:2px 0}
button{font:inherit;cursor:pointer;border:1px solid #c99700;background:#fff;border-radius:4px;padding:0 6px;margin-left:6px}
`;

let overlay: { host: HTMLElement; list: HTMLUListElement } | undefined;

function ensureOverlay(): { host: HTMLElement; list: HTMLUListElement } {
  if (overlay?.host.isConnected) return overlay;
  const host = document.createElement('nasc-dev-overlay');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(OVERLAY_CSS);
  root.adoptedStyleSheets = [sheet];
  const box = document.createElement('div');
  box.className = 'box';
  box.setAttribute('role', 'status');
  const header = document.createElement('header');
  header.textContent = 'Nasc dev warnings';
  const dismiss = document.createElement('button');
  dismiss.textContent = 'Dismiss';
  dismiss.addEventListener('click', () => host.remove());
  header.append(dismiss);
  const list = document.createElement('ul');
  box.append(header, list);
  root.append(box);
  document.body.append(host);
  return (overlay = { host, list });
}

function show(message: string, element?: Element): void {
  if (!document.body) return;
  const { list } = ensureOverlay();
  const item = document.createElement('li');
  item.textContent = message;
  if (element) {
    const reveal = document.createElement('button');
    reveal.textContent = 'Reveal';
    reveal.addEventListener('click', () => {
      element.scrollIntoView({ block: 'center' });
      const target = element instanceof HTMLElement ? element : undefined;
      if (!target) return;
      const previous = target.style.outline;
      target.style.outline = '3px solid #e0a800';
      setTimeout(() => (target.style.outline = previous), 1500);
    });
    item.append(reveal);
  }
  list.append(item);
}

/** In dev builds, shows every warning in a small dismissible overlay too. */
export function installDevOverlay(): void {
  if (globalThis.NASC_DEV_MODE !== false && typeof document !== 'undefined') devWarningListeners.add(show);
}
