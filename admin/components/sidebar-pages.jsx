// The pages' menu (replaces AdminJS's SidebarPages): the same entries, with the number of open reports beside
// Moderation, read again on every navigation and when the queue resolves something. Not type-checked by tsc.
import React, { useEffect, useState } from 'react'
import { Navigation } from '@adminjs/design-system'
import { useLocation, useNavigate } from 'react-router'
import { ApiClient, ViewHelpers, useTranslation } from 'adminjs'

const api = new ApiClient()
const h = new ViewHelpers()

/** Sent by the moderation page after it resolved reports. */
const REPORTS_CHANGED = 'agora:reports-changed'

const SidebarPages = (props) => {
  const { pages } = props
  const { translateLabel, translatePage } = useTranslation()
  const location = useLocation()
  const navigate = useNavigate()
  const [open, setOpen] = useState(null)
  const hasQueue = Boolean(pages && pages.some((p) => p.name === 'moderation'))

  useEffect(() => {
    if (!hasQueue) return undefined
    let live = true
    const load = () =>
      api.getPage({ pageName: 'moderation', params: { summary: 'true' } }).then(
        (res) => live && setOpen(typeof res.data?.open === 'number' ? res.data.open : null),
        () => live && setOpen(null),
      )
    load()
    window.addEventListener(REPORTS_CHANGED, load)
    return () => {
      live = false
      window.removeEventListener(REPORTS_CHANGED, load)
    }
  }, [hasQueue, location.pathname])

  if (!pages || !pages.length) return null
  const elements = pages.map((page) => {
    const label = translatePage(page.name)
    return {
      id: page.name,
      label: page.name === 'moderation' && open !== null ? `${label} (${open})` : label,
      isSelected: Boolean(location.pathname.match(`/pages/${page.name}`)),
      icon: page.icon,
      href: h.pageUrl(page.name),
      onClick: (event, element) => {
        event.preventDefault()
        if (element.href) navigate(element.href)
      },
    }
  })
  return <Navigation label={translateLabel('pages')} elements={elements} data-testid="agora-sidebar-pages" />
}

export default SidebarPages
