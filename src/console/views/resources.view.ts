import { type Html, html } from '../../platform/web/html';
import type { ResourceView } from '../../resources/resources.service';
import type { ConsoleContext } from '../console-user';
import { type Column, dataTable, scopeList } from './components';
import { consolePage } from './shell';

const RESOURCE_COLUMNS: Column<ResourceView>[] = [
  { label: 'Name', cell: (r) => r.name },
  { label: 'Resource URI', cell: (r) => html`<code>${r.uri}</code>` },
  { label: 'Scopes', cell: (r) => scopeList(r.scopes) },
  { label: 'Kind', cell: (r) => (r.builtIn ? 'Built in' : 'Registered by an operator') },
];

/** Read-only: operators register resources with the admin CLI (`resource:create`). */
export function resourcesPage(ctx: ConsoleContext, resources: ResourceView[]): Html {
  return consolePage(
    ctx,
    'resources',
    'Resources',
    html`<h1>Resources</h1>
      <p class="muted">
        The APIs and MCP servers this server issues access tokens for. An app asks for one with the
        <code>resource</code> parameter (RFC 8707); the token's audience is that URI and its scopes are
        limited to the ones listed here. Operators add resources with
        <code>npm run admin -- resource:create</code>.
      </p>
      ${dataTable('Resources', RESOURCE_COLUMNS, resources)}`,
  );
}
