// AdminJS's action header, titled by what the page shows: a record's own name (its title property) on its
// show page, "<action> · <name>" on its other pages, the resource's name on its list; the browser tab says
// the same. AdminJS titles the header by the action's translated label only, so the record's name is added
// to the translations under a key of its own. Not type-checked by tsc.
import React, { useEffect } from 'react';
import { useTranslation } from 'adminjs';

const NS = 'translation';
const BRAND = 'Agora';

/** The heading of the page, or null where AdminJS's own is kept (new, bulk and resource actions). */
function headingOf({ action, record, resource, translateAction, translateLabel }) {
  if (action?.name === 'list') return translateLabel(resource.name, resource.id);
  if (!record || action?.actionType !== 'record') return null;
  const name = record.title && String(record.title) !== String(record.id) ? String(record.title) : `${translateLabel(resource.name, resource.id)} #${record.id}`;
  return action.name === 'show' ? name : `${translateAction(action.label, resource.id)} · ${name}`;
}

const ActionHeader = (props) => {
  const { OriginalComponent, action, record, resource } = props;
  const { i18n, translateAction, translateLabel } = useTranslation();
  const heading = headingOf({ action, record, resource, translateAction, translateLabel });
  // i18next would read {{…}} and $t(…) in a name as placeholders: such a name titles the tab only
  const key = heading && !/\{\{|\$t\(/.test(heading) ? `agoraHeading_${action.name}_${record ? record.id : 'list'}` : null;
  if (key) i18n.addResourceBundle(i18n.language, NS, { [`resources.${resource.id}.actions.${key}`]: heading }, true, true);
  useEffect(() => {
    const tab = heading ?? translateAction(action.label, resource.id);
    document.title = `${tab} · ${BRAND}`;
    return () => {
      document.title = BRAND;
    };
  }, [heading, action.label, resource.id]);
  return <OriginalComponent {...props} action={key ? { ...action, label: key } : action} />;
};

export default ActionHeader;
