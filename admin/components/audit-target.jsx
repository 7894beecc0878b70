// The target of an audit event: its name (as it is now) linking to its page in the panel, else type and id.
// Not type-checked by tsc.
import React from 'react';
import { Link } from 'react-router-dom';
import { Text, ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

const AuditTarget = (props) => {
  const { record, where, resource } = props;
  const { translateComponent } = useTranslation();
  const p = record.params || {};
  const fallback = p.targetType ? `${p.targetType} ${p.targetId || ''}`.trim() : '—';
  const label = p.targetLabel || fallback;
  const body = p.targetHref ? (
    <Link to={p.targetHref} data-testid="agora-audit-target">
      {label}
    </Link>
  ) : (
    <Text as="span" data-testid="agora-audit-target">
      {label}
    </Text>
  );
  return where === 'show' ? <ValueGroup label={translateComponent('Agora.target', resource.id)}>{body}</ValueGroup> : body;
};

export default AuditTarget;
