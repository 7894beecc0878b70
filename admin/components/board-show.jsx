// A board's page (Board show): the record's fields, then its access at a glance. A hidden board lists its
// grant holders (each linking to the member's page, banned and closed accounts marked) with Remove, and a
// member picker (accounts the boards service says may hold a grant) with Add; every change is an action of
// the resource that goes through the boards service, and its refusal is shown as said. A public board says
// who reads it. Not type-checked by tsc.
import React, { useCallback, useEffect, useState } from 'react';
import { Badge, Box, Button, H3, Loader, MessageBox, SelectAsync, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system';
import { ApiClient, BasePropertyComponent, useTranslation } from 'adminjs';
import { Link } from 'react-router-dom';

const api = new ApiClient();

const truthy = (v) => v === true || v === 'true';

const BoardShow = (props) => {
  const { resource, record } = props;
  const { translateMessage } = useTranslation();
  const tr = (key) => translateMessage(key, resource.id);
  const p = record.params || {};
  const hidden = !truthy(p.isVisible);
  const [holders, setHolders] = useState(null);
  const [chosen, setChosen] = useState(null);
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const res = await api.recordAction({ resourceId: resource.id, recordId: record.id, actionName: 'grantHolders' });
    if (res.data.holders) setHolders(res.data.holders);
    else setMessage({ type: 'danger', text: (res.data.notice && res.data.notice.message) || tr('agoraBoardGrantsReadError') });
  }, [resource.id, record.id]);

  useEffect(() => {
    setHolders(null);
    setMessage(null);
    load().catch((e) => setMessage({ type: 'danger', text: e.message }));
  }, [load]);

  const change = async (actionName, userId) => {
    setBusy(true);
    try {
      const res = await api.recordAction({ resourceId: resource.id, recordId: record.id, actionName, method: 'post', data: { userId: String(userId) } });
      const notice = res.data.notice || {};
      setMessage({ type: notice.type === 'error' ? 'danger' : 'success', text: notice.message || '' });
      if (notice.type !== 'error') setChosen(null);
      await load();
    } catch (e) {
      setMessage({ type: 'danger', text: e.message });
    } finally {
      setBusy(false);
    }
  };

  const candidates = async (q) => {
    const res = await api.resourceAction({ resourceId: 'UserBoardPermission', actionName: 'grantees', params: { q: q || '' } });
    const held = new Set((holders || []).map((h) => String(h.id)));
    return (res.data.options || []).filter((o) => !held.has(String(o.value)));
  };

  return (
    <Box variant="white" data-testid="agora-board">
      {resource.showProperties.map((property) => (
        <BasePropertyComponent key={property.propertyPath} where="show" property={property} resource={resource} record={record} />
      ))}
      <Box mt="xxl" data-testid="agora-board-access">
        <H3>{tr('agoraBoardAccess')}</H3>
        {!truthy(p.isAvailable) ? <Text mb="default">{tr('agoraBoardDisabled')}</Text> : null}
        {!hidden ? (
          <Text mb="default" data-testid="agora-board-public">
            {tr('agoraBoardPublic')}
          </Text>
        ) : (
          <Text mb="default">{tr('agoraBoardHidden')}</Text>
        )}
        {message && message.text ? <MessageBox mb="default" variant={message.type} message={message.text} data-testid="agora-grant-message" /> : null}
        {!holders ? (
          <Loader />
        ) : (
          <Box>
            {holders.length ? (
              <Table data-testid="agora-grant-holders">
                <TableHead>
                  <TableRow>
                    <TableCell>{tr('agoraColMember')}</TableCell>
                    <TableCell>{tr('agoraColEmail')}</TableCell>
                    <TableCell>{tr('agoraColRole')}</TableCell>
                    <TableCell>{tr('agoraColGranted')}</TableCell>
                    <TableCell />
                  </TableRow>
                </TableHead>
                <TableBody>
                  {holders.map((h) => (
                    <TableRow key={h.id} data-testid="agora-grant-holder" data-user-id={h.id}>
                      <TableCell>
                        <Link to={h.href}>{h.name}</Link>
                        {h.isBanned ? (
                          <Badge size="sm" variant="danger" ml="default">
                            {tr('agoraBoardBanned')}
                          </Badge>
                        ) : null}
                        {h.deletedAt ? (
                          <Badge size="sm" variant="danger" ml="default">
                            {tr('agoraBoardClosed')}
                          </Badge>
                        ) : null}
                      </TableCell>
                      <TableCell>{h.email}</TableCell>
                      <TableCell>{h.role}</TableCell>
                      <TableCell>{new Date(h.grantedAt).toLocaleString()}</TableCell>
                      <TableCell>
                        <Button type="button" size="sm" variant="danger" disabled={busy} onClick={() => change('removeGrant', h.id)} data-testid="agora-grant-remove">
                          {tr('agoraBoardRemove')}
                        </Button>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : (
              <Text color="grey60" data-testid="agora-grant-none">
                {tr('agoraBoardNoGrant')}
              </Text>
            )}
            {hidden ? (
              <Box flex alignItems="center" mt="lg" data-testid="agora-grant-add">
                <Box width={360} mr="default">
                  <SelectAsync
                    inputId="agora-grant-add-input"
                    placeholder={tr('agoraBoardAddPlaceholder')}
                    cacheOptions={false}
                    defaultOptions
                    loadOptions={candidates}
                    value={chosen}
                    onChange={(selected) => setChosen(selected)}
                    isClearable
                  />
                </Box>
                <Button type="button" disabled={busy || !chosen} onClick={() => chosen && change('addGrant', chosen.value)} data-testid="agora-grant-add-submit">
                  {tr('agoraBoardAdd')}
                </Button>
              </Box>
            ) : null}
          </Box>
        )}
      </Box>
    </Box>
  );
};

export default BoardShow;
