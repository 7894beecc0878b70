// A member's page (User show): the record's fields, then on the same screen what an operator deciding on a
// ban needs: the boards they may read and why, their grants, bans with reason and who banned them, their
// latest posts, comments, chat sessions and AI logs, the reports they filed and those against them, and
// their audit trail, each item linking to its page. The data comes from the hidden `member` action
// (admin/member.ts, through the services). Not type-checked by tsc.
import React, { useEffect, useState } from 'react';
import { Badge, Box, H3, Loader, MessageBox, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system';
import { ApiClient, BasePropertyComponent, useTranslation } from 'adminjs';
import { Link } from 'react-router-dom';

const api = new ApiClient();

const when = (v) => (v ? new Date(v).toLocaleString() : '—');
const WHY = { admin: ['agoraMemberWhyAdmin', 'info'], public: ['agoraMemberWhyPublic', 'success'], granted: ['agoraMemberWhyGranted', 'primary'] };

/** The panel's message of `key` (English and Korean in the panel's translations). */
const useTr = () => {
  const { translateMessage } = useTranslation();
  return (key) => translateMessage(key);
};

const Section = ({ title, testId, more, children }) => {
  const tr = useTr();
  return (
    <Box mt="xxl" data-testid={testId}>
      <Box flex alignItems="baseline" mb="default">
        <H3 mb="none" mr="lg">
          {title}
        </H3>
        {more ? (
          <Link to={more} data-testid={`${testId}-more`}>
            {tr('agoraMemberSeeAll')}
          </Link>
        ) : null}
      </Box>
      {children}
    </Box>
  );
};

/** A table of rows, or a line saying there are none. */
const Rows = ({ head, rows, empty, testId }) =>
  rows.length ? (
    <Table>
      <TableHead>
        <TableRow>
          {head.map((h) => (
            <TableCell key={h}>{h}</TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((cells, i) => (
          <TableRow key={i} data-testid={testId}>
            {cells.map((c, j) => (
              <TableCell key={j}>{c}</TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  ) : (
    <Text color="grey60">{empty}</Text>
  );

const Hidden = ({ visible }) => {
  const tr = useTr();
  return visible ? null : (
    <Badge size="sm" variant="danger" ml="default">
      {tr('agoraMemberHidden')}
    </Badge>
  );
};

const Who = ({ id, name, href }) => (href ? <Link to={href}>{name || `#${id}`}</Link> : <Text as="span">{name || (id ? `#${id}` : '—')}</Text>);

const detailsText = (d) =>
  d && typeof d === 'object'
    ? Object.entries(d)
        .map(([k, v]) => `${k}: ${v && typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('; ')
    : '';

const auditRows = (lines, tr) =>
  lines.map((e) => [
    <Link to={e.href}>{when(e.at)}</Link>,
    <Text as="span" data-testid="agora-member-audit-action">
      {e.action}
    </Text>,
    <Who id={e.actorId} name={e.actorName} href={e.actorHref} />,
    e.targetHref ? <Link to={e.targetHref}>{`${e.targetType} ${e.targetId}`}</Link> : e.targetType ? `${e.targetType} ${e.targetId || ''}` : '—',
    detailsText(e.details) || '—',
  ]);

const reportRows = (list, tr) =>
  list.map((r) => [
    when(r.createDate),
    r.targetHref ? <Link to={r.targetHref}>{`${r.targetType} ${r.targetId}`}</Link> : `${r.targetType} ${r.targetId}`,
    <Who {...r.reporter} />,
    r.reason + (r.note ? ` — ${r.note}` : ''),
    <Badge size="sm" variant={r.status === 'open' ? 'danger' : 'success'} data-testid="agora-member-report-status">
      {r.status}
    </Badge>,
    r.resolvedBy ? <Who {...r.resolvedBy} /> : '—',
  ]);

const MemberShow = (props) => {
  const { resource, record } = props;
  const tr = useTr();
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setData(null);
    api
      .recordAction({ resourceId: resource.id, recordId: record.id, actionName: 'member' })
      .then((res) => {
        if (!live) return;
        if (res.data.member) setData(res.data.member);
        else setError((res.data.notice && res.data.notice.message) || tr('agoraMemberReadError'));
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [record.id]);

  const p = record.params || {};
  return (
    <Box variant="white" data-testid="agora-member">
      {resource.showProperties.map((property) => (
        <BasePropertyComponent key={property.propertyPath} where="show" property={property} resource={resource} record={record} />
      ))}
      {error ? (
        <MessageBox variant="danger" message={error} data-testid="agora-member-error" />
      ) : !data ? (
        <Loader />
      ) : (
        <Box>
          <Section title={tr('agoraMemberBans')} testId="agora-member-bans">
            {p.isBanned === true || p.isBanned === 'true' ? (
              <MessageBox variant="danger" mb="default" data-testid="agora-member-ban-now">
                {`${tr('agoraMemberBannedSince')} ${when(p.bannedAt)}: ${p.banReason || tr('agoraMemberNoReason')}`}
              </MessageBox>
            ) : null}
            <Rows
              head={[tr('agoraColWhen'), tr('agoraColWhat'), tr('agoraColBy'), tr('agoraColReason')]}
              empty={tr('agoraMemberNeverBanned')}
              testId="agora-member-ban"
              rows={data.bans.map((b) => [
                <Link to={b.href}>{when(b.at)}</Link>,
                b.banned ? (
                  <Badge size="sm" variant="danger">
                    {tr('agoraMemberBanned')}
                  </Badge>
                ) : (
                  <Badge size="sm">{tr('agoraMemberBanLifted')}</Badge>
                ),
                <span data-testid="agora-member-ban-by">
                  <Who id={b.actorId} name={b.actorName} href={b.actorHref} />
                </span>,
                <span data-testid="agora-member-ban-reason">{b.reason || '—'}</span>,
              ])}
            />
          </Section>

          <Section title={tr('agoraMemberReadable')} testId="agora-member-readable">
            <Rows
              head={[tr('agoraColBoard'), tr('agoraColWhy')]}
              empty={tr('agoraMemberNoBoard')}
              testId="agora-member-readable-board"
              rows={data.readableBoards.map((b) => [
                <Link to={b.href}>{b.name}</Link>,
                <Badge size="sm" variant={WHY[b.access][1]} data-testid="agora-member-readable-why">
                  {tr(WHY[b.access][0])}
                </Badge>,
              ])}
            />
          </Section>

          <Section title={tr('agoraMemberGrants')} testId="agora-member-grants">
            <Rows head={[tr('agoraColBoard')]} empty={tr('agoraMemberNoGrant')} testId="agora-member-grant" rows={data.grants.map((g) => [<Link to={g.href}>{g.name}</Link>])} />
          </Section>

          <Section title={tr('agoraMemberPosts')} testId="agora-member-posts" more={data.links.posts}>
            <Rows
              head={[tr('agoraColTitle'), tr('agoraColBoard'), tr('agoraColComments'), tr('agoraColWritten')]}
              empty={tr('agoraMemberNoPost')}
              testId="agora-member-post"
              rows={data.posts.map((x) => [
                <span>
                  <Link to={x.href}>{x.name}</Link>
                  <Hidden visible={x.isVisible} />
                </span>,
                <Link to={`/admin/resources/Board/records/${x.boardId}/show`}>{x.boardName}</Link>,
                x.comments,
                when(x.createDate),
              ])}
            />
          </Section>

          <Section title={tr('agoraMemberComments')} testId="agora-member-comments" more={data.links.comments}>
            <Rows
              head={[tr('agoraColComment'), tr('agoraColOn'), tr('agoraColWritten')]}
              empty={tr('agoraMemberNoComment')}
              testId="agora-member-comment"
              rows={data.comments.map((x) => [
                <span>
                  <Link to={x.href}>{x.excerpt || `#${x.id}`}</Link>
                  <Hidden visible={x.isVisible} />
                </span>,
                <Link to={x.postHref}>{x.postName}</Link>,
                when(x.createDate),
              ])}
            />
          </Section>

          <Section title={tr('agoraMemberChats')} testId="agora-member-chats">
            <Rows
              head={[tr('agoraColSession'), tr('agoraColState'), tr('agoraColOpened')]}
              empty={tr('agoraMemberNoChat')}
              testId="agora-member-chat"
              rows={data.chatSessions.map((x) => [
                <span>
                  <Link to={x.href}>{x.name}</Link>
                  <Hidden visible={x.isVisible} />
                </span>,
                x.isClosed ? tr('agoraMemberChatClosed') : tr('agoraMemberChatOpen'),
                when(x.createDate),
              ])}
            />
          </Section>

          <Section title={tr('agoraMemberAiLogs')} testId="agora-member-ailogs" more={data.links.aiLogs}>
            <Rows
              head={[tr('agoraColLog'), tr('agoraColModel'), tr('agoraColStatus'), tr('agoraColAsked')]}
              empty={tr('agoraMemberNoAiLog')}
              testId="agora-member-ailog"
              rows={data.aiLogs.map((x) => [<Link to={x.href}>{`#${x.id}`}</Link>, <Link to={x.aiHref}>{x.aiName}</Link>, x.status, when(x.createDate)])}
            />
          </Section>

          <Section title={tr('agoraMemberReportsAgainst')} testId="agora-member-reports-against">
            <Rows
              head={[tr('agoraColFiled'), tr('agoraColTarget'), tr('agoraColBy'), tr('agoraColReason'), tr('agoraColStatus'), tr('agoraColResolvedBy')]}
              empty={tr('agoraMemberNoReport')}
              testId="agora-member-report"
              rows={reportRows(data.reports.against, tr)}
            />
          </Section>

          <Section title={tr('agoraMemberReportsFiled')} testId="agora-member-reports-filed">
            <Rows
              head={[tr('agoraColFiled'), tr('agoraColTarget'), tr('agoraColBy'), tr('agoraColReason'), tr('agoraColStatus'), tr('agoraColResolvedBy')]}
              empty={tr('agoraMemberNoReport')}
              testId="agora-member-report"
              rows={reportRows(data.reports.filed, tr)}
            />
          </Section>

          <Section title={tr('agoraMemberAuditBy')} testId="agora-member-audit-by" more={data.links.auditBy}>
            <Rows
              head={[tr('agoraColWhen'), tr('agoraColAction'), tr('agoraColActor'), tr('agoraColTarget'), tr('agoraColDetails')]}
              empty={tr('agoraMemberNoAudit')}
              testId="agora-member-audit"
              rows={auditRows(data.audit.by, tr)}
            />
          </Section>

          <Section title={tr('agoraMemberAuditOn')} testId="agora-member-audit-on" more={data.links.auditOn}>
            <Rows
              head={[tr('agoraColWhen'), tr('agoraColAction'), tr('agoraColActor'), tr('agoraColTarget'), tr('agoraColDetails')]}
              empty={tr('agoraMemberNoAudit')}
              testId="agora-member-audit"
              rows={auditRows(data.audit.on, tr)}
            />
          </Section>
        </Box>
      )}
    </Box>
  );
};

export default MemberShow;
