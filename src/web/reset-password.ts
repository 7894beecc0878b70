// The page the password reset mail links to: `/reset-password?token=…`. Server-rendered HTML with no
// framework; its script is served as a file (/reset-password.js, allowed by the default CSP `script-src
// 'self'`), checks that both entries match and posts {token, password} to the confirm endpoint, then shows
// the API's answer: success, the password rule that failed, or a token that is invalid, expired or used.
import { passwordSchema } from '../users/schemas.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The password rule in words, from the schema the API enforces. */
const passwordRule = `${passwordSchema.minLength as number} to ${passwordSchema.maxLength as number} characters; ${(passwordSchema.description as string).replace(/^password must /, 'must ')}.`;

const style = `
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Apple SD Gothic Neo", "Noto Sans KR", sans-serif; margin: 0; background: #f4f5fa; color: #1d1f2c; }
  main { max-width: 26rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .ko { color: #555; margin: 0 0 1.5rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  label span { font-weight: 400; color: #555; }
  input { box-sizing: border-box; width: 100%; padding: .6rem; font: inherit; border: 1px solid #b8bccc; border-radius: 6px; margin-top: .25rem; }
  input[aria-invalid="true"] { border-color: #c62828; }
  .hint { font-size: .85rem; color: #555; margin: .25rem 0 0; }
  .field-error { font-size: .9rem; color: #c62828; margin: .25rem 0 0; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; color: #fff; background: #2f3fbf; border: 0; border-radius: 6px; cursor: pointer; }
  button:disabled { background: #8a92cf; cursor: default; }
  .status { padding: .8rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
  .status p { margin: 0; }
  .status.error { background: #fdecea; color: #8e1c1c; }
  .status.success { background: #e7f5ea; color: #1b5e20; }
`;

export function resetPasswordPage(token: string, confirmPath: string): string {
  const form = token
    ? `<div id="status" class="status" role="alert" hidden></div>
    <form id="reset-form" method="post" data-endpoint="${escapeHtml(confirmPath)}" novalidate>
      <input type="hidden" name="token" value="${escapeHtml(token)}">
      <label for="password">New password <span lang="ko">새 비밀번호</span></label>
      <input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-hint password-error">
      <p id="password-hint" class="hint">${escapeHtml(passwordRule)}</p>
      <p id="password-error" class="field-error" hidden></p>
      <label for="confirm">Repeat it <span lang="ko">비밀번호 확인</span></label>
      <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-describedby="confirm-error">
      <p id="confirm-error" class="field-error" hidden></p>
      <button id="submit" type="submit" disabled>Change password</button>
    </form>
    <noscript><p class="status error">This page needs JavaScript. <span lang="ko">JavaScript를 켜 주세요.</span></p></noscript>`
    : `<div id="status" class="status error" role="alert"><p>This link has no reset token: open the link from the mail again.</p><p lang="ko">메일의 링크를 다시 열어 주세요.</p></div>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Reset your password · Agora</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <style>${style}</style>
  <script src="/reset-password.js" defer></script>
</head>
<body>
  <main>
    <h1>Choose a new password</h1>
    <p class="ko" lang="ko">새 비밀번호를 정해 주세요.</p>
    ${form}
  </main>
</body>
</html>
`;
}

/** The page's behaviour (plain ES2017, no build step). */
export const resetPasswordScript = `'use strict';
(function () {
  var form = document.getElementById('reset-form');
  if (!form) return;
  var status = document.getElementById('status');
  var password = document.getElementById('password');
  var confirm = document.getElementById('confirm');
  var button = document.getElementById('submit');
  var endpoint = form.getAttribute('data-endpoint');
  var token = form.elements.token.value;

  function paragraph(text, lang) {
    var p = document.createElement('p');
    p.textContent = text;
    if (lang) p.lang = lang;
    return p;
  }
  function showStatus(kind, lines) {
    status.className = 'status ' + kind;
    status.replaceChildren.apply(status, lines);
    status.hidden = false;
  }
  function fieldError(input, id, text, ko) {
    var el = document.getElementById(id);
    el.textContent = text || '';
    if (ko) {
      var span = document.createElement('span');
      span.lang = 'ko';
      span.textContent = ' ' + ko;
      el.appendChild(span);
    }
    el.hidden = !text;
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }
  function clear() {
    status.hidden = true;
    fieldError(password, 'password-error', '');
    fieldError(confirm, 'confirm-error', '');
  }

  button.disabled = false;
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    clear();
    if (!password.value) {
      fieldError(password, 'password-error', 'Enter a new password.', '새 비밀번호를 입력해 주세요.');
      password.focus();
      return;
    }
    if (password.value !== confirm.value) {
      fieldError(confirm, 'confirm-error', 'The two passwords differ.', '두 비밀번호가 다릅니다.');
      confirm.focus();
      return;
    }
    button.disabled = true;
    var res;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
        body: JSON.stringify({ token: token, password: password.value }),
        credentials: 'omit',
      });
    } catch (e) {
      showStatus('error', [paragraph('The server cannot be reached; try again.'), paragraph('서버에 연결할 수 없습니다.', 'ko')]);
      button.disabled = false;
      return;
    }
    if (res.ok) {
      form.remove();
      showStatus('success', [paragraph('Your password has been changed. Every session was signed out: sign in again with the new password.'), paragraph('비밀번호가 변경되었습니다.', 'ko')]);
      return;
    }
    var problem = {};
    try {
      problem = await res.json();
    } catch (e) {
      // not a problem document: the status alone is shown
    }
    var errors = Array.isArray(problem.errors) ? problem.errors : [];
    var onPassword = errors.filter(function (e) { return e.field === 'password'; });
    if (problem.code === 'invalid_reset_token') {
      form.remove();
      showStatus('error', [paragraph(problem.detail + ' Ask for a new reset mail.'), paragraph('링크가 유효하지 않거나 만료되었습니다. 재설정 메일을 다시 요청해 주세요.', 'ko')]);
      return;
    }
    if (onPassword.length) {
      fieldError(password, 'password-error', onPassword.map(function (e) { return e.message; }).join(' '));
      password.focus();
    } else {
      var retry = res.headers.get('Retry-After');
      var detail = problem.detail || 'The request failed (HTTP ' + res.status + ').';
      showStatus('error', [paragraph(retry ? detail + ' (' + retry + ' s)' : detail)]);
    }
    button.disabled = false;
  });
})();
`;
