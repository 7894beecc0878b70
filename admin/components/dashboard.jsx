// The Agora dashboard: counts read through the services by the dashboard handler (admin/dashboard.ts).
import React, { useEffect, useState } from 'react'
import { Box, H2, H5, Text } from '@adminjs/design-system'
import { ApiClient } from 'adminjs'

const api = new ApiClient()

const Card = ({ label, value, testId }) => (
  <Box variant="card" flex flexDirection="column" p="xl" m="default" width={[1, 1 / 2, 1 / 3]} data-testid={testId}>
    <H5>{label}</H5>
    <Text fontSize="h2" fontWeight="bold" data-testid={`${testId}-value`}>{value === null || value === undefined ? '—' : String(value)}</Text>
  </Box>
)

const Dashboard = () => {
  const [data, setData] = useState(null)
  useEffect(() => {
    api.getDashboard().then((res) => setData(res.data), () => setData({ error: true }))
  }, [])
  const d = data || {}
  return (
    <Box variant="grey" p="xxl">
      <H2 data-testid="agora-dashboard-title">Agora</H2>
      {d.error ? <Text>The counts could not be loaded.</Text> : null}
      <Box flex flexWrap="wrap">
        <Card label="Users" value={d.users} testId="count-users" />
        <Card label="Banned" value={d.banned} testId="count-banned" />
        <Card label="Posts today" value={d.postsToday} testId="count-posts-today" />
        <Card label="Open chat sockets" value={d.chatSockets} testId="count-chat-sockets" />
        <Card label="AI jobs queued" value={d.aiQueued} testId="count-ai-queued" />
        <Card label="AI jobs running" value={d.aiRunning} testId="count-ai-running" />
      </Box>
    </Box>
  )
}

export default Dashboard
