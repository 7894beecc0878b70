// The member picker of the new-grant form: searches the accounts the boards service says may hold a grant
// (open and not banned), through the resource's hidden `grantees` action. Not type-checked by tsc.
import React, { useState } from 'react';
import { FormGroup, FormMessage, Label, SelectAsync } from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';

const api = new ApiClient();

const GranteeEdit = (props) => {
  const { property, record, onChange, resource } = props;
  const { translateProperty, translateMessage } = useTranslation();
  const error = record.errors && record.errors[property.path];
  const value = record.params ? record.params[property.path] : undefined;
  const [chosen, setChosen] = useState(null);
  const load = async (q) => {
    const res = await api.resourceAction({ resourceId: resource.id, actionName: 'grantees', params: { q: q || '' } });
    return res.data.options || [];
  };
  return (
    <FormGroup error={Boolean(error)} data-testid="agora-grantee">
      <Label htmlFor="agora-grantee-input" required>
        {translateProperty(property.label, resource.id)}
      </Label>
      <SelectAsync
        inputId="agora-grantee-input"
        cacheOptions={false}
        defaultOptions
        loadOptions={load}
        value={value ? chosen || { value: String(value), label: String(value) } : null}
        onChange={(selected) => {
          setChosen(selected);
          onChange(property.path, selected ? selected.value : '');
        }}
        isClearable
      />
      <FormMessage>{error && translateMessage(error.message, resource.id)}</FormMessage>
    </FormGroup>
  );
};

export default GranteeEdit;
