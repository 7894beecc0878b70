// The panel's own browser components, registered with AdminJS's loader (AdminJS bundles only these; its
// own UI ships prebuilt). The .jsx sources sit next to this module: admin/components under tsx, and
// dist/admin/components once built (`npm run build` copies them there).
import { fileURLToPath } from 'node:url';
import { ComponentLoader } from 'adminjs';

export const componentSources = fileURLToPath(new URL('./components/', import.meta.url));

/** The registered components, by the name the resources use. */
export type AdminComponents = ReturnType<typeof createComponents>;

export function createComponents() {
  const loader = new ComponentLoader();
  const at = (file: string) => fileURLToPath(new URL(`./components/${file}`, import.meta.url));
  return {
    loader,
    ActionForm: loader.add('AgoraActionForm', at('action-form.jsx')),
    Dashboard: loader.add('AgoraDashboard', at('dashboard.jsx')),
    Moderation: loader.add('AgoraModeration', at('moderation.jsx')),
    Metrics: loader.add('AgoraMetrics', at('metrics.jsx')),
    JsonValue: loader.add('AgoraJsonValue', at('json-value.jsx')),
    HelpEdit: loader.add('AgoraHelpEdit', at('help-edit.jsx')),
    DefaultEdit: loader.add('AgoraDefaultEdit', at('default-edit.jsx')),
    ChoiceEdit: loader.add('AgoraChoiceEdit', at('choice-edit.jsx')),
    GranteeEdit: loader.add('AgoraGranteeEdit', at('grantee-edit.jsx')),
    AuditTarget: loader.add('AgoraAuditTarget', at('audit-target.jsx')),
    AuditDetails: loader.add('AgoraAuditDetails', at('audit-details.jsx')),
    StatusBadge: loader.add('AgoraStatusBadge', at('status-badge.jsx')),
    MemberShow: loader.add('AgoraMemberShow', at('member-show.jsx')),
    BoardShow: loader.add('AgoraBoardShow', at('board-show.jsx')),
    // replaces AdminJS's own: pages titled by the record's name
    ActionHeader: loader.override('ActionHeader', at('action-header.jsx')),
    // replaces AdminJS's own: the top bar's language switch also saves the choice on the account
    LoggedIn: loader.override('LoggedIn', at('language-sync.jsx')),
    // the pages' menu, with the number of open reports beside Moderation
    SidebarPages: loader.override('SidebarPages', at('sidebar-pages.jsx')),
  };
}
