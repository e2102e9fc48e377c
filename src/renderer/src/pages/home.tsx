/**
 * The index route: the dashboard, except on a first run (no agents yet, setup not dismissed),
 * where a new user is taken to the guided setup.
 */
import { Navigate } from 'react-router';
import { useAgents } from '../api/queries';
import { PageLoader } from '../components/page-loader';
import { setupDismissed } from './setup/setup-state';

export function Home({ dashboard }: { dashboard: React.ReactNode }) {
  const agents = useAgents();
  if (agents.isPending) return <PageLoader />;
  if (agents.data && agents.data.length === 0 && !setupDismissed())
    return <Navigate to="/setup" replace />;
  return <>{dashboard}</>;
}
