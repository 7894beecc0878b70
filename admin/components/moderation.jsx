// The moderation queue (page "moderation", handler in admin/moderation.ts): open reports grouped by target,
// newest first, the reported content inline, who reported it and why; one action resolves every open report
// of the target — dismiss, hide the content, or ban its author (a reason is required; the service says so).
// Not type-checked by tsc.
import React, { useCallback, useEffect, useState } from 'react'
import { Link } from 'react-router-dom'
import { Badge, Box, Button, H2, H5, Label, Loader, MessageBox, Text, TextArea } from '@adminjs/design-system'
import { ApiClient, useNotice } from 'adminjs'

const api = new ApiClient()
const REPORTS_CHANGED = 'agora:reports-changed'

const TYPE_LABEL = { post: 'Post', comment: 'Comment', chat_message: 'Chat message', user: 'Account' }

const when = (iso) => new Date(iso).toLocaleString()

const Group = ({ group, busy, onResolve, error }) => {
  const [reason, setReason] = useState('')
  const { content, author, reports } = group
  const fieldError = error && error.fields && error.fields.find((f) => f.field === 'reason')
  const resolve = (action) => onResolve(group, action, reason)
  return (
    <Box variant="card" p="xl" mb="xl" data-testid="queue-group" data-target={group.key}>
      <Box flex alignItems="center" flexWrap="wrap" mb="default">
        <Badge variant="primary" mr="default" data-testid="queue-type">
          {TYPE_LABEL[group.targetType] || group.targetType}
        </Badge>
        <Badge variant={reports.length > 1 ? 'danger' : 'default'} mr="default" data-testid="queue-count">
          {reports.length === 1 ? '1 report' : `${reports.length} reports`}
        </Badge>
        {content && !content.isVisible ? (
          <Badge variant="secondary" mr="default">
            {group.targetType === 'user' ? 'closed' : 'already hidden'}
          </Badge>
        ) : null}
        <Text variant="sm" color="grey60">
          newest {when(reports[0].createDate)}
        </Text>
      </Box>
      <Box mb="lg" data-testid="queue-content">
        {content ? (
          <>
            {content.title ? (
              <H5 mb="sm">
                <Link to={content.href}>{content.title}</Link>
              </H5>
            ) : null}
            <Text style={{ whiteSpace: 'pre-wrap' }}>
              {content.title ? content.text : <Link to={content.href}>{content.text}</Link>}
            </Text>
            {content.context ? (
              <Text variant="sm" color="grey60" mt="sm">
                {content.context}
              </Text>
            ) : null}
          </>
        ) : (
          <Text color="grey60">
            {TYPE_LABEL[group.targetType] || group.targetType} {group.targetId} no longer exists.
          </Text>
        )}
        {author && group.targetType !== 'user' ? (
          <Text variant="sm" mt="sm" data-testid="queue-author">
            By <Link to={author.href}>{author.name}</Link> ({author.role}
            {author.isBanned ? ', banned' : ''})
          </Text>
        ) : null}
      </Box>
      <Box as="ul" mb="lg" data-testid="queue-reports">
        {reports.map((r) => (
          <Box as="li" key={r.id} mb="sm" data-testid="queue-report">
            <Text>
              <Badge size="sm" mr="default">
                {r.reason}
              </Badge>
              {r.reporter ? r.reporter.name : 'a closed account'} · {when(r.createDate)}
              {r.note ? <Text as="span" color="grey60">{` — “${r.note}”`}</Text> : null}
            </Text>
          </Box>
        ))}
      </Box>
      <Box mb="default">
        <Label htmlFor={`reason-${group.key}`}>Reason (required to ban; shown to the member and in the audit log)</Label>
        <TextArea id={`reason-${group.key}`} width={1} rows={2} maxLength={512} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="resolve-reason" />
        {fieldError ? (
          <Text color="error" mt="sm" data-testid="resolve-reason-error">
            {fieldError.message}
          </Text>
        ) : null}
      </Box>
      {error && !fieldError ? (
        <MessageBox variant="danger" mb="default" message={error.message} data-testid="resolve-error" />
      ) : null}
      <Box flex>
        <Button mr="default" disabled={busy} onClick={() => resolve('dismiss')} data-testid="resolve-dismiss">
          Dismiss
        </Button>
        {group.targetType !== 'user' ? (
          <Button mr="default" variant="primary" disabled={busy} onClick={() => resolve('hide')} data-testid="resolve-hide">
            Hide the {TYPE_LABEL[group.targetType].toLowerCase()}
          </Button>
        ) : null}
        <Button variant="danger" disabled={busy || !author} onClick={() => resolve('ban')} data-testid="resolve-ban">
          {group.targetType === 'user' ? 'Ban the account' : 'Ban the author'}
        </Button>
      </Box>
    </Box>
  )
}

const Moderation = () => {
  const [queue, setQueue] = useState(null)
  const [failed, setFailed] = useState(false)
  const [busy, setBusy] = useState(null)
  const [errors, setErrors] = useState({})
  const notice = useNotice()

  useEffect(() => {
    api.getPage({ pageName: 'moderation' }).then(
      (res) => setQueue(res.data),
      () => setFailed(true),
    )
  }, [])

  const onResolve = useCallback(
    (group, action, reason) => {
      setBusy(group.key)
      api
        .getPage({ pageName: 'moderation', method: 'post', data: { reportId: group.reports[0].id, action, reason } })
        .then(
          (res) => {
            const { notice: message, error, ...rest } = res.data
            setQueue(rest)
            setErrors((e) => ({ ...e, [group.key]: error || null }))
            if (message) {
              notice({ message, type: 'success' })
              window.dispatchEvent(new Event(REPORTS_CHANGED))
            }
          },
          () => setErrors((e) => ({ ...e, [group.key]: { message: 'The request failed: try again.' } })),
        )
        .finally(() => setBusy(null))
    },
    [notice],
  )

  return (
    <Box variant="grey" p="xxl" data-testid="agora-moderation">
      <H2>
        Moderation{queue ? <span data-testid="queue-open">{` · ${queue.open} open`}</span> : null}
      </H2>
      <Text mb="xl" color="grey60">
        Open reports, grouped by what was reported, newest first. One action resolves every open report of that content.
      </Text>
      {failed ? <MessageBox variant="danger" message="The queue could not be loaded." /> : null}
      {!queue && !failed ? <Loader /> : null}
      {queue && !queue.groups.length ? (
        <Box variant="card" p="xl" data-testid="queue-empty">
          <Text>No open reports.</Text>
        </Box>
      ) : null}
      {queue
        ? queue.groups.map((g) => <Group key={g.key} group={g} busy={busy === g.key} error={errors[g.key]} onResolve={onResolve} />)
        : null}
      {queue && queue.truncated ? <Text color="grey60">More open reports are waiting: resolve these first.</Text> : null}
    </Box>
  )
}

export default Moderation
