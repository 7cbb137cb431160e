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
#   in the page's language; when it arrives, its heading and quote are scrolled into view if
#   they are off-screen, and its back link returns to the marker;
# - Gradio's own chat buttons (Clear, Copy message, Like, Dislike) are relabelled in the page's
#   language (aria-label and tooltip);
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
// Gradio's own chat buttons say English; the page's text tables say what they do.
const GRADIO_LABELS = {'Clear': 'clear', 'Copy message': 'copy', 'Like': 'like', 'Dislike': 'dislike'};
const relabel = () => {
  const t = text();
  document.querySelectorAll('#savol-chat [data-testid="user"], #savol-chat [data-testid="bot"]').forEach((m) => {
    const label = (m.dataset.testid === 'user' ? t.you : t.bot) + ': ' + shownText(m);
    if (m.getAttribute('aria-label') !== label) m.setAttribute('aria-label', label);
  });
  document.querySelectorAll('#savol-chat button[aria-label]').forEach((b) => {
    const key = GRADIO_LABELS[b.getAttribute('aria-label')] || b.dataset.savolLabel;
    if (!key) return;
    b.dataset.savolLabel = key;
    if (b.getAttribute('aria-label') !== t[key]) b.setAttribute('aria-label', t[key]);
    if (b.title !== t[key]) b.title = t[key];
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
// The panel's heading comes into view at the top (it stays there: it is sticky), then the
// quote, if it is still off-screen, just below it.
const showPanel = () => {
  setLang(element.querySelector('[lang]')?.getAttribute('lang'));
  if (!window.savolScrollToPassage) return;
  window.savolScrollToPassage = false;
  const head = element.querySelector('.savol-panel-head') || element;
  const top = head.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) head.scrollIntoView({block: 'start'});
  const quote = element.querySelector('.savol-focus mark') || element.querySelector('.savol-focus');
  if (!quote) return;
  const below = head.getBoundingClientRect().bottom;
  const r = quote.getBoundingClientRect();
  if (r.top < below || r.bottom > window.innerHeight) window.scrollBy(0, r.top - below - 24);
};
// A marker (or source card) opens its passage; the panel's back link returns to that marker.
window.savolCite = (cite, from) => {
  window.savolScrollToPassage = true;
  const answers = [...document.querySelectorAll('#savol-chat [data-testid="bot"]')];
  window.savolFrom = {cite: cite, answer: answers.indexOf(from?.closest('[data-testid="bot"]'))};
  trigger('click', {cite: cite, lang: document.documentElement.lang});
};
const backToAnswer = () => {
  const from = window.savolFrom || {};
  const answer = document.querySelectorAll('#savol-chat [data-testid="bot"]')[from.answer];
  const marker = answer && [...answer.querySelectorAll('a[href^="#cite-"]')]
    .find((a) => a.getAttribute('href') === '#' + from.cite);
  const target = marker || answer || document.querySelector('#savol-chat');
  if (!target) return;
  target.scrollIntoView({block: 'center'});
  if (marker) marker.focus({preventScroll: true});
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
    if (event.target.closest('a.savol-back')) {
      event.preventDefault();
      event.stopPropagation();
      backToAnswer();
      return;
    }
    const link = event.target.closest('a[href^="#cite-"]')
      || event.target.closest('.savol-src')?.querySelector('a[href^="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.savolCite(link.getAttribute('href').slice(1), link);
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
.savol-translation { margin-top: .4rem; padding-left: .6rem; border-left: 3px solid var(--border-color-primary); }
.savol-translation-label { font-size: .8rem; font-style: italic; color: var(--body-text-color-subdued); }
#savol-chat .savol-sources > summary { font-weight: 600; }
.savol-src { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
             padding: .5rem .7rem; margin: .5rem 0 0; cursor: pointer; }
.savol-src:hover { border-color: var(--color-accent); }
.savol-src-head { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
.savol-src-head strong { color: var(--color-accent); }
#savol-chat .savol-src-head a { font-weight: 400; font-size: .85rem; }
.savol-src .savol-title { display: block; font-size: .8rem; opacity: .75; }
.savol-passage, .savol-around, .savol-focus { overflow-wrap: anywhere; margin: .4rem 0 0; }
/* The panel's heading and back link stay in view while the passage scrolls under them. */
#savol-context { overflow: visible !important; }
.savol-panel-head { position: sticky; top: 0; z-index: 2; background: var(--body-background-fill);
                    display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline;
                    padding: .35rem 0; margin: 0 0 .25rem; border-bottom: 1px solid var(--border-color-primary); }
.savol-panel-head h3 { font-size: 1rem; margin: 0; }
.savol-back { color: var(--color-accent); white-space: nowrap; font-size: .9rem; }
.savol-focus .savol-pn { color: var(--color-accent); font-weight: 600; margin-right: .35rem; }
.savol-hint { color: var(--body-text-color-subdued); margin: .25rem 0; }
.savol-around { white-space: pre-line; opacity: .72; font-size: .92rem; }
.savol-focus { white-space: pre-line; border-left: 3px solid var(--color-accent); padding-left: .6rem; }
.savol-panel mark, .savol-src mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
.savol-queued { margin: .25rem 0; color: var(--body-text-color-subdued); font-size: .9rem; }
/* Before the first question the chat is empty: it takes no room, so on a phone the question box
   and the examples are on screen on arrival. Gradio shows .placeholder-content in an empty chat. */
#savol-chat:has(.placeholder-content) { display: none !important; }
/* Gradio's "scroll down" button floats over the messages (and a source card's quote): the chat
   scrolls by hand. */
#savol-chat .scroll-down-button-container { display: none !important; }
@media (max-width: 640px) {
  #savol-chat { height: min(52vh, 640px) !important; }
}
"""
