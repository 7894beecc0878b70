// One form for Agora's custom actions (bundled by AdminJS for the browser; not type-checked by tsc).
// action.custom: { form: 'reason' | 'confirm' | 'pick', message, submitLabel, variant, pickLabel, addLabel }
//   message is a key of the panel's messages, submitLabel of its buttons, pickLabel/addLabel of components.Agora
//   (admin/locale); a text that is no key shows as it is
//   reason   a required "reason" text (ban)
//   confirm  a message and a confirm button (unban, reset password, train, close, hide ...)
//   pick     checkboxes loaded from the action's GET answer ({options: [{value, label, checked}]}), sent as ids
// Every change is a POST (the handlers change nothing on GET), so nothing happens by merely opening a link.
import React, { useEffect, useState } from 'react';
import { Box, Button, CheckBox, FormGroup, Input, Label, MessageBox, Text, TextArea } from '@adminjs/design-system';
import { ApiClient, useNotice, useTranslation } from 'adminjs';
import { useNavigate } from 'react-router';

const api = new ApiClient();

const call = (props, data) => {
  const { action, resource, record, records } = props;
  const base = { resourceId: resource.id, actionName: action.name };
  if (action.actionType === 'record') return api.recordAction({ ...base, recordId: record.id, data });
  if (action.actionType === 'bulk') return api.bulkAction({ ...base, recordIds: (records || []).map((r) => r.id), data });
  return api.resourceAction({ ...base, data });
};

const ActionForm = (props) => {
  const { action, record, records, resource } = props;
  const custom = action.custom || {};
  const { translateMessage, translateButton, translateComponent } = useTranslation();
  const word = (key) => translateComponent(`Agora.${key}`, resource.id);
  const label = (key) => (key ? translateComponent(`Agora.${key}`, resource.id, { defaultValue: key }) : null);
  const addNotice = useNotice();
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const [add, setAdd] = useState('');
  const [options, setOptions] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (custom.form !== 'pick') return;
    call(props).then(
      (res) => setOptions(res.data.options || []),
      () => setError(word('loadChoicesFailed')),
    );
  }, [custom.form, record && record.id]);

  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    const data = new FormData();
    data.set('confirm', 'yes');
    if (custom.form === 'reason') data.set('reason', reason);
    if (custom.form === 'pick')
      data.set(
        'ids',
        (options || [])
          .filter((o) => o.checked)
          .map((o) => o.value)
          .join(','),
      );
    if (custom.addLabel) data.set('add', add);
    setBusy(true);
    try {
      const res = await call(props, data);
      const { notice, redirectUrl } = res.data;
      if (notice) addNotice(notice);
      if (notice && notice.type === 'error') setError(notice.message);
      else if (redirectUrl) navigate(redirectUrl);
    } catch (e) {
      setError(word('requestFailed'));
    } finally {
      setBusy(false);
    }
  };

  const who = records && records.length ? records.map((r) => r.title).join(', ') : record ? record.title : '';
  return (
    <Box as="form" onSubmit={submit} variant="container" data-testid="agora-action-form">
      {custom.message ? (
        <Text mb="lg" data-testid="agora-action-message">
          {translateMessage(custom.message, resource.id)}
        </Text>
      ) : null}
      {who ? (
        <Text mb="lg" fontWeight="bold" data-testid="agora-action-target">
          {who}
        </Text>
      ) : null}
      {custom.form === 'reason' ? (
        <FormGroup error={!!error}>
          <Label htmlFor="agora-reason" required>
            {word('reason')}
          </Label>
          <TextArea
            id="agora-reason"
            name="reason"
            width={1}
            rows={4}
            maxLength={512}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              setError(null);
            }}
          />
        </FormGroup>
      ) : null}
      {custom.form === 'pick' ? (
        <FormGroup>
          <Label>{label(custom.pickLabel) || word('choose')}</Label>
          {options === null ? <Text>{word('loading')}</Text> : null}
          {options && !options.length ? <Text>{word('nothingToChoose')}</Text> : null}
          {(options || []).map((o) => (
            <Box key={o.value} flex alignItems="center" mb="sm">
              <CheckBox
                id={`agora-pick-${o.value}`}
                data-testid={`agora-pick-${o.value}`}
                checked={!!o.checked}
                onChange={() => setOptions(options.map((x) => (x.value === o.value ? { ...x, checked: !x.checked } : x)))}
              />
              <Label inline htmlFor={`agora-pick-${o.value}`} ml="default">
                {o.label}
              </Label>
            </Box>
          ))}
        </FormGroup>
      ) : null}
      {custom.addLabel ? (
        <FormGroup>
          <Label htmlFor="agora-add">{label(custom.addLabel)}</Label>
          <Input id="agora-add" name="add" width={1} value={add} onChange={(e) => setAdd(e.target.value)} />
        </FormGroup>
      ) : null}
      {error ? <MessageBox mb="lg" variant="danger" message={error} data-testid="agora-action-error" /> : null}
      <Button type="submit" variant={custom.variant || 'contained'} disabled={busy} data-testid="agora-action-submit">
        {custom.submitLabel ? translateButton(custom.submitLabel, resource.id, { defaultValue: custom.submitLabel }) : word('confirm')}
      </Button>
    </Box>
  );
};

export default ActionForm;
