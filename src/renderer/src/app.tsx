/**
 * Providers and routes. Hash routing (`#/audit`): the same build works from the headless
 * server and the desktop window without a server-side fallback for deep links.
 */
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy } from 'react';
import { createHashRouter, RouterProvider } from 'react-router';
import { ApiError } from './api/api';
import { noteError } from './api/session';
import { Layout } from './components/layout';
import { RouteError } from './components/route-error';
import { Home } from './pages/home';
import { theme } from './theme';

const DashboardPage = lazy(() => import('./pages/dashboard/dashboard-page'));
const WorkbenchPage = lazy(() => import('./pages/workbench/workbench-page'));
const AskPage = lazy(() => import('./pages/ask/ask-page'));
const SemanticPage = lazy(() => import('./pages/semantic/semantic-page'));
const ConnectionsPage = lazy(() => import('./pages/connections/connections-page'));
const AgentsPage = lazy(() => import('./pages/agents/agents-page'));
const AgentDetailPage = lazy(() => import('./pages/agents/agent-detail-page'));
const ApprovalsPage = lazy(() => import('./pages/approvals/approvals-page'));
const AuditPage = lazy(() => import('./pages/audit/audit-page'));
const SettingsPage = lazy(() => import('./pages/settings/settings-page'));
const SetupPage = lazy(() => import('./pages/setup/setup-page'));

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: noteError }),
  mutationCache: new MutationCache({ onError: noteError }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refused or invalid request will not succeed on its own; only retry what may be transient.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status < 500),
    },
  },
});

const router = createHashRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Home dashboard={<DashboardPage />} /> },
      { path: 'setup', element: <SetupPage /> },
      { path: 'workbench', element: <WorkbenchPage /> },
      { path: 'ask', element: <AskPage /> },
      { path: 'semantic/:name', element: <SemanticPage /> },
      { path: 'connections', element: <ConnectionsPage /> },
      { path: 'connections/:name', element: <ConnectionsPage /> },
      { path: 'agents', element: <AgentsPage /> },
      { path: 'agents/:id', element: <AgentDetailPage /> },
      { path: 'approvals', element: <ApprovalsPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: '*', element: <RouteError notFound /> },
    ],
  },
]);

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="bottom-right" limit={3} autoClose={3500} />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
