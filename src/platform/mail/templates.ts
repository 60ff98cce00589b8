import { escapeHtml } from '../web/html';

/** A mail ready to send: a subject, a plain-text body and a simple HTML body with the same words. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
  /** The one link the mail is about (verify, reset), for the dev log line and the dev outbox. */
  link?: string;
}

interface Section {
  /** Paragraphs of plain text. */
  lines: string[];
  /** A call to action: the button in HTML, the bare URL on its own line in text. */
  action?: { label: string; url: string };
  /** Small print after the action. */
  footer?: string[];
}

/** Plain text first (every client shows it); the HTML is the same words with one button, no images. */
export function compose(subject: string, s: Section): MailContent {
  const text = [
    ...s.lines,
    ...(s.action ? [`${s.action.label}:\n${s.action.url}`] : []),
    ...(s.footer ?? []),
    '— iiniit',
  ].join('\n\n');
  const paragraphs = s.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n');
  const button = s.action
    ? `<p><a href="${escapeHtml(s.action.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(s.action.label)}</a></p>
<p style="color:#555;font-size:13px">Or paste this address into your browser:<br>${escapeHtml(s.action.url)}</p>`
    : '';
  const footer = (s.footer ?? [])
    .map((l) => `<p style="color:#555;font-size:13px">${escapeHtml(l)}</p>`)
    .join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:560px;margin:24px auto;padding:0 16px">
${paragraphs}
${button}
${footer}
<p style="color:#555">— iiniit</p>
</body></html>`;
  return { subject, text, html, link: s.action?.url };
}

function minutes(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${Math.round(seconds / 60)} minutes`;
}

const NOT_YOU = 'If this was not you, sign in and change your password, or reply to this mail.';

/** Every mail the product sends, in one place. Never a secret in a mail except the one-time link. */
export const templates = {
  verifyEmail(link: string, ttlSeconds: number, name: string): MailContent {
    return compose('Confirm your email address', {
      lines: [`Hello ${name},`, 'Please confirm that this is your email address for your iiniit account.'],
      action: { label: 'Confirm email address', url: link },
      footer: [
        `The link works once and for ${minutes(ttlSeconds)}.`,
        'If you did not create an account or change your email, ignore this mail: nothing changes.',
      ],
    });
  },

  emailChangeRequested(newEmail: string): MailContent {
    return compose('Your email address is being changed', {
      lines: [
        `Someone signed in to your iiniit account asked to change its email address to ${newEmail}.`,
        'The change takes effect only once the new address is confirmed. Until then this address stays.',
      ],
      footer: [NOT_YOU],
    });
  },

  emailChanged(newEmail: string): MailContent {
    return compose('Your email address was changed', {
      lines: [`The email address of your iiniit account is now ${newEmail}.`],
      footer: [NOT_YOU],
    });
  },

  passwordReset(link: string, ttlSeconds: number): MailContent {
    return compose('Reset your password', {
      lines: ['Someone asked to reset the password of your iiniit account.'],
      action: { label: 'Choose a new password', url: link },
      footer: [
        `The link works once and for ${minutes(ttlSeconds)}. Setting a new password signs you out everywhere.`,
        'If you did not ask for this, ignore this mail: your password stays as it is.',
      ],
    });
  },

  passwordChanged(how: 'reset' | 'changed'): MailContent {
    return compose('Your password was changed', {
      lines: [
        how === 'reset'
          ? 'The password of your iiniit account was reset with a link sent to this address. Every session was signed out.'
          : 'The password of your iiniit account was changed. Your other sessions were signed out.',
      ],
      footer: [NOT_YOU],
    });
  },

  apiKeyCreated(name: string, prefix: string): MailContent {
    return compose('A new API key was created', {
      lines: [`A new API key “${name}” (${prefix}…) was created in your iiniit account.`],
      footer: ['If this was not you, revoke the key in the console and change your password.'],
    });
  },

  recoveryCodeUsed(left: number): MailContent {
    return compose('A recovery code was used to sign in', {
      lines: [
        'Someone signed in to your iiniit account with one of your recovery codes. That code no longer works.',
        `You have ${left} recovery code${left === 1 ? '' : 's'} left. You can make a new set in the console under Sign-in methods.`,
      ],
      footer: [NOT_YOU],
    });
  },

  recoveryCodesRegenerated(): MailContent {
    return compose('New recovery codes were made', {
      lines: ['New recovery codes were made for your iiniit account. The old ones no longer work.'],
      footer: [NOT_YOU],
    });
  },

  secondFactorRemoved(what: string): MailContent {
    return compose('A sign-in method was removed', {
      lines: [`The ${what} was removed from your iiniit account's sign-in methods.`],
      footer: [NOT_YOU],
    });
  },

  accountDeleted(): MailContent {
    return compose('Your account was deleted', {
      lines: [
        'Your iiniit account was deleted, with its sessions, API keys, apps, projects and the access you gave to apps.',
        'This is the last mail you get from us.',
      ],
    });
  },
};
