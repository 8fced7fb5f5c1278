import './style.css';
import { App } from './app';
import { h, replace } from './dom';

const TOKEN_KEY = 'wfa.token';

interface PublicConfig {
  devMode?: boolean;
  token?: string;
}

async function loadConfig(): Promise<PublicConfig> {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    return res.ok ? ((await res.json()) as PublicConfig) : {};
  } catch {
    return {};
  }
}

/** Outside dev mode the console asks for a token and keeps it for this tab only (sessionStorage). */
function showSignIn(root: HTMLElement, message?: string): void {
  const input = h('input', { id: 'token-input', name: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help token-error' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Approval console'),
    h('p', {}, 'Sign in with your access token (a JWT issued for your user).'),
    h('div', { class: 'field' }, h('label', { for: 'token-input' }, 'Access token'), input, h('span', { class: 'hint', id: 'token-help' }, 'Kept only in this browser tab.')),
    h('p', { class: 'field-error', id: 'token-error', role: 'alert' }, message ?? ''),
    h('button', { type: 'submit', class: 'btn primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) {
      replace(form.querySelector('#token-error')!, 'Paste a token first.');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    startApp(root, token, false);
  });
  replace(root, h('main', { id: 'main', class: 'signin-wrap' }, form));
  input.focus();
}

function startApp(root: HTMLElement, token: string, devMode: boolean): void {
  const app = new App(
    root,
    token,
    () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(root, devMode ? 'Signed out. Reload the page to sign in again as the demo user.' : 'Signed out.');
    },
    (msg) => {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(root, `That token was not accepted (${msg}). Please sign in again.`);
    },
  );
  app.start();
}

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  replace(root, h('p', { class: 'muted boot' }, 'Loading…'));
  const config = await loadConfig();
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (config.devMode && config.token) startApp(root, config.token, true);
  else if (stored) startApp(root, stored, false);
  else showSignIn(root);
}

void boot();
