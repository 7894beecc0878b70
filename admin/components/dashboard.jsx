// The Agora dashboard: how the community is doing. Counts (each a link to the filtered list), open reports
// (a link to the moderation queue), the last 30 days by day as charts (chart.js, bundled with the panel's
// components; only the parts a line chart needs are registered), and the latest operator actions. The data
// comes from the dashboard handler (admin/dashboard.ts). Not type-checked by tsc.
import React, { useEffect, useRef, useState } from 'react'
import { Link } from 'react-router-dom'
import { Box, H2, H4, H5, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ApiClient } from 'adminjs'
import { CategoryScale, Chart, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js'

Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip)

const api = new ApiClient()

const SERIES = [
  ['signups', 'Signups'],
  ['activeMembers', 'Active members'],
  ['posts', 'Posts'],
  ['comments', 'Comments'],
  ['chatMessages', 'Chat messages'],
  ['aiPredictions', 'AI predictions'],
]

const shown = (value) => (value === null || value === undefined ? '—' : String(value))

const Card = ({ label, value, testId, href }) => (
  <Box variant="card" flex flexDirection="column" p="xl" m="default" style={{ flex: '1 1 160px' }} data-testid={testId}>
    <H5>{label}</H5>
    <Text fontSize="h2" fontWeight="bold" data-testid={`${testId}-value`}>
      {href ? (
        <Link to={href} data-testid={`${testId}-link`}>
          {shown(value)}
        </Link>
      ) : (
        shown(value)
      )}
    </Text>
  </Box>
)

/** One series over the days, as a line chart on a canvas. */
const SeriesChart = ({ name, label, days, counts }) => {
  const canvas = useRef(null)
  useEffect(() => {
    if (!canvas.current) return undefined
    const chart = new Chart(canvas.current, {
      type: 'line',
      data: {
        labels: days.map((d) => d.slice(5)),
        datasets: [{ label, data: counts, borderColor: '#3040D6', backgroundColor: '#3040D6', borderWidth: 2, pointRadius: 2, tension: 0.25 }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { tooltip: { intersect: false, mode: 'index' } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 8 } } },
      },
    })
    return () => chart.destroy()
  }, [name, days, counts])
  const total = counts.reduce((a, b) => a + b, 0)
  return (
    <Box variant="card" p="lg" m="default" width={[1, 1, '47%']} data-testid={`chart-${name}`}>
      <Box flex justifyContent="space-between" alignItems="baseline">
        <H5>{label}</H5>
        <Text variant="sm" color="grey60" data-testid={`chart-${name}-total`}>
          {total} in 30 days
        </Text>
      </Box>
      <Box style={{ position: 'relative', height: 180 }}>
        <canvas ref={canvas} data-testid={`chart-${name}-canvas`} aria-label={`${label} per day, last 30 days`} role="img" />
      </Box>
    </Box>
  )
}

const Actions = ({ actions }) =>
  !actions.length ? (
    <Text data-testid="recent-actions-empty">No operator actions yet.</Text>
  ) : (
    <Table data-testid="recent-actions">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>Who</TableCell>
          <TableCell>Action</TableCell>
          <TableCell>Target</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {actions.map((a) => (
          <TableRow key={a.id} data-testid="recent-action">
            <TableCell>{new Date(a.at).toLocaleString()}</TableCell>
            <TableCell>{a.actorName || (a.actorId ? `user ${a.actorId}` : '—')}</TableCell>
            <TableCell>
              <Link to={`/admin/resources/AuditLog/records/${encodeURIComponent(a.id)}/show`}>{a.action}</Link>
            </TableCell>
            <TableCell>{a.targetType ? `${a.targetType} ${a.targetId || ''}` : '—'}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )

const Dashboard = () => {
  const [data, setData] = useState(null)
  useEffect(() => {
    api.getDashboard().then(
      (res) => setData(res.data),
      () => setData({ error: true }),
    )
  }, [])
  const d = data || {}
  const today = d.today ? encodeURIComponent(d.today) : ''
  return (
    <Box variant="grey" p="xxl" data-testid="agora-dashboard">
      <H2 data-testid="agora-dashboard-title">Agora</H2>
      {d.error ? <Text>The dashboard could not be loaded.</Text> : null}
      <Box flex flexWrap="wrap">
        <Card label="Users" value={d.users} testId="count-users" href="/admin/resources/User" />
        <Card label="Banned" value={d.banned} testId="count-banned" href="/admin/resources/User?filters.isBanned=true" />
        <Card label="Posts today" value={d.postsToday} testId="count-posts-today" href={`/admin/resources/Post?filters.createDate~~from=${today}`} />
        <Card label="Open reports" value={d.openReports} testId="count-open-reports" href="/admin/pages/moderation" />
        <Card label="Open chat sockets" value={d.chatSockets} testId="count-chat-sockets" href="/admin/resources/ChatSession?filters.isClosed=false" />
        <Card label="AI jobs queued" value={d.aiQueued} testId="count-ai-queued" href="/admin/resources/AiLog?filters.status=queued" />
        <Card label="AI jobs running" value={d.aiRunning} testId="count-ai-running" href="/admin/resources/AiLog?filters.status=running" />
      </Box>
      {d.activity ? (
        <Box mt="xl">
          <H4 ml="default">Last 30 days</H4>
          <Box flex flexWrap="wrap" data-testid="activity-charts">
            {SERIES.map(([name, label]) => (
              <SeriesChart key={name} name={name} label={label} days={d.activity.days} counts={d.activity.series[name]} />
            ))}
          </Box>
        </Box>
      ) : null}
      {d.recentActions ? (
        <Box variant="card" p="xl" m="default" mt="xl">
          <H4>Recent operator actions</H4>
          <Actions actions={d.recentActions} />
          <Box mt="default">
            <Link to="/admin/resources/AuditLog">The whole audit log</Link>
          </Box>
        </Box>
      ) : null}
    </Box>
  )
}

export default Dashboard
