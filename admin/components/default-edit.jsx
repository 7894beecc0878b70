// An edit field that starts from the value the service would give when the field is left out
// (property.custom.default), so a new record's form shows, and sends, what will be saved: a board's
// "visible" and "available" start ticked and can be saved unticked. Not type-checked by tsc.
import React, { useEffect } from 'react';
import { BasePropertyComponent } from 'adminjs';

const DefaultEdit = (props) => {
  const { property, record, onChange } = props;
  const fallback = property.custom ? property.custom.default : undefined;
  const missing = !record.params || record.params[property.path] === undefined;
  useEffect(() => {
    if (missing && fallback !== undefined) onChange(property.path, fallback);
  }, [missing]);
  const Edit = property.type === 'boolean' ? BasePropertyComponent.Boolean.Edit : BasePropertyComponent.DefaultType.Edit;
  return <Edit {...props} />;
};

export default DefaultEdit;
