"""The chat page's style and its one script (run once, from the context panel's ``js_on_load``)."""

from __future__ import annotations

import json

from page.text import DEFAULT_LANG, TEXTS

# Gradio scopes `css` to the content area; the page's own side padding (32 px, a lot on a
# phone) sits outside it, so that one rule goes into <head> unscoped. Gradio's page says
# lang="en"; the page starts in its default language (the script changes it with the reader's).
HEAD = (
    "<style>@media (max-width: 640px) { .gradio-container .main { padding: 0 8px; } }</style>"
    f"<script>document.documentElement.lang = {json.dumps(DEFAULT_LANG)};</script>"
)

# What the script does, all in the browser:
# - a click on a marker or source card asks the server for the passage in context (`trigger`),
#   in the page's language; when it arrives, it is scrolled into view if it is off-screen;
# - the server says the reader's language with `lang` on the context panel; the page's own
#   labels, <html lang> and the tab title follow it (the rest is served in that language);
# - a question sent while an answer is being written waits in the box (the event's
#   trigger_mode is "always_last") and a notice says so; an empty one is not queued at all;
# - messages' aria-labels, and what their copy buttons copy, are the text shown, not Markdown;
# - a notice is headed in its own language: Gradio heads every toast with its English type
#   ("Warning") whatever title it is given, so the heading is relabelled from the notice's text.
# Gradio marks a running event with the class `generating` on its outputs' status trackers.
PAGE_JS = """
const T = __TEXTS__;
const chatBusy = () => !!document.querySelector('#savol-box .generating');
const text = () => T[document.documentElement.lang] || T[__DEFAULT__];
const shownText = (message) => {
  const copy = message.cloneNode(true);
  copy.querySelectorAll('.savol-sources').forEach((e) => e.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
};
// Run ``fn`` at most once per frame, however many changes call for it (an answer streams token by token).
const perFrame = (fn) => {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
};
const relabel = () => {
  const t = text();
  document.querySelectorAll('#savol-chat [data-testid="user"], #savol-chat [data-testid="bot"]').forEach((m) => {
    const label = (m.dataset.testid === 'user' ? t.you : t.bot) + ': ' + shownText(m);
    if (m.getAttribute('aria-label') !== label) m.setAttribute('aria-label', label);
  });
};
const setLang = (lang) => {
  const t = T[lang];
  if (!t) return;
  document.documentElement.lang = lang;
  document.title = t.title;
  document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t[e.dataset.i18n]; });
  const box = document.querySelector('#savol-box textarea');
  if (box) box.placeholder = t.placeholder;
  const label = document.querySelector('#savol-examples .label');
  if (label && label.lastChild) label.lastChild.textContent = ' ' + t.examples;
  relabel();
};
const showPanel = () => {
  setLang(element.querySelector('[lang]')?.getAttribute('lang'));
  if (!window.savolScrollToPassage) return;
  window.savolScrollToPassage = false;
  const focus = element.querySelector('.savol-focus') || element;
  const top = focus.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) focus.scrollIntoView({block: 'start'});
};
window.savolCite = (cite) => {
  window.savolScrollToPassage = true;
  trigger('click', {cite: cite, lang: document.documentElement.lang});
};
watch('value', showPanel);
showPanel();
if (!window.savolListening) {
  window.savolListening = true;
  document.addEventListener('click', (event) => {
    const copy = event.target.closest('#savol-chat .message-buttons button');
    if (copy && copy.parentElement.querySelector('button') === copy) {  // the first one copies
      const message = copy.closest('.message-buttons').previousElementSibling?.querySelector('[data-testid]');
      if (message) {
        event.preventDefault();
        event.stopPropagation();
        navigator.clipboard.writeText(shownText(message));
      }
      return;
    }
    const link = event.target.closest('a[href^="#cite-"]')
      || event.target.closest('.savol-src')?.querySelector('a[href^="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.savolCite(link.getAttribute('href').slice(1));
  }, true);
  const sending = (event) => {
    const box = document.querySelector('#savol-box textarea');
    if (!box || !chatBusy()) return;
    if (!box.value.trim()) {  // nothing to queue: do not send an empty question later
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    const notice = document.querySelector('#savol-notice .savol-queued');
    if (!notice) return;
    notice.textContent = text().queued;
    notice.hidden = false;
    clearInterval(window.savolQueuedWatch);
    window.savolQueuedWatch = setInterval(() => {  // hidden once the question is sent
      if (!box.value.trim() || !chatBusy()) {
        notice.hidden = true;
        clearInterval(window.savolQueuedWatch);
      }
    }, 250);
  };
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.target.closest('#savol-box')) {
      sending(event);
    }
  }, true);
  document.addEventListener('click', (event) => {
    if (event.target.closest('#savol-box .submit-button')) sending(event);
  }, true);
  const headNotices = () => {
    document.querySelectorAll('.toast-body').forEach((toast) => {
      const title = toast.querySelector('.toast-title');
      const message = toast.querySelector('[data-testid="toast-text"]')?.textContent || '';
      const lang = Object.keys(T).find((l) => ['bad_question', 'index_broken', 'unexpected', 'feedback_failed']
        .some((k) => message.trim().startsWith(T[l][k])));
      const node = title && [...title.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      if (lang && node && node.textContent.trim() !== T[lang].warning) node.textContent = T[lang].warning + ' ';
    });
  };
  new MutationObserver(perFrame(headNotices)).observe(document.body, {subtree: true, childList: true});
  const watchChat = () => {
    const chat = document.querySelector('#savol-chat');
    if (!chat) return setTimeout(watchChat, 200);
    new MutationObserver(perFrame(relabel)).observe(chat, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['aria-label'],
    });
    relabel();
  };
  watchChat();
}
""".replace("__TEXTS__", json.dumps({lang: t.client() for lang, t in TEXTS.items()}, ensure_ascii=False)).replace(
    "__DEFAULT__", json.dumps(DEFAULT_LANG)
)

CSS = """
#savol-header h1 { font-size: clamp(1.05rem, 0.9rem + 1.2vw, 1.6rem); line-height: 1.3; margin: 0 0 .35rem;
                   overflow-wrap: anywhere; }
#savol-header p { margin: .15rem 0; color: var(--body-text-color-subdued); }
#savol-header .savol-lead { color: var(--body-text-color); }
#savol-header a.savol-original { color: var(--color-accent); white-space: nowrap; padding: 0; }
#savol-header span[data-i18n] { color: inherit; }
.savol-article > summary, .savol-sources > summary { cursor: pointer; color: var(--color-accent); }
.savol-article { margin: .25rem 0; }
.savol-article .savol-para { margin: .5rem 0; overflow-wrap: anywhere; }
.savol-article .savol-para > b { color: var(--color-accent); margin-right: .35rem; }
#savol-chat a[href^="#cite-"] { text-decoration: none; font-weight: 600; white-space: nowrap;
                                color: var(--color-accent); }
#savol-chat .savol-sources { margin-top: .5rem; font-size: .9rem; }
#savol-chat .savol-sources > summary { font-weight: 600; }
.savol-src { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
             padding: .5rem .7rem; margin: .5rem 0 0; cursor: pointer; }
.savol-src:hover { border-color: var(--color-accent); }
.savol-src-head { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
.savol-src-head strong { color: var(--color-accent); }
#savol-chat .savol-src-head a { font-weight: 400; font-size: .85rem; }
.savol-src .savol-title { display: block; font-size: .8rem; opacity: .75; }
.savol-passage, .savol-around, .savol-focus { overflow-wrap: anywhere; margin: .4rem 0 0; }
.savol-panel h3 { font-size: 1rem; margin: 0 0 .5rem; }
.savol-hint { color: var(--body-text-color-subdued); margin: .25rem 0; }
.savol-around { white-space: pre-line; opacity: .72; font-size: .92rem; }
.savol-focus { white-space: pre-line; border-left: 3px solid var(--color-accent); padding-left: .6rem; }
.savol-panel mark, .savol-src mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
.savol-queued { margin: .25rem 0; color: var(--body-text-color-subdued); font-size: .9rem; }
"""
