import { Controller, Get, Header } from '@nestjs/common';

import { Public } from '../auth/decorators';
import { HiddenFromApiDocs } from '../http/api-docs';
import { APP_CSS } from './styles';

/**
 * The console's only script: copy buttons. Served from our origin so the pages' CSP can stay
 * `script-src 'self'` with no inline script. Buttons are rendered `hidden` and shown here, so without
 * JavaScript nobody sees a button that does nothing (the text stays selectable).
 */
export const CONSOLE_JS = `'use strict';
(function () {
  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }
  function selectContents(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) return;
    var status = button.parentNode.querySelector('.copy-status');
    var say = function (text) { if (status) status.textContent = text; };
    var timer;
    button.hidden = false;
    button.addEventListener('click', function () {
      copy(target.textContent.trim()).then(
        function () { say('Copied to the clipboard.'); },
        function () { selectContents(target); say('Selected: press Ctrl+C (or Cmd+C) to copy.'); }
      ).then(function () {
        clearTimeout(timer);
        timer = setTimeout(function () { say(''); }, 4000);
      });
    });
  });
})();
`;

@HiddenFromApiDocs() // Stylesheet and script of the pages, not API.
@Controller('assets')
@Public()
export class AssetsController {
  @Get('app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return APP_CSS;
  }

  @Get('console.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  consoleJs(): string {
    return CONSOLE_JS;
  }
}
