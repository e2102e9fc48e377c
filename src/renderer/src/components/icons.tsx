/**
 * The few line icons the app uses, drawn on a 24-pixel grid with the current text colour.
 * No icon package is installed, and a dozen paths do not justify one.
 */
import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function icon(paths: React.ReactNode, displayName: string) {
  const Icon = ({ size = 18, ...rest }: IconProps) => (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {paths}
    </svg>
  );
  Icon.displayName = displayName;
  return Icon;
}

export const IconDashboard = icon(
  <>
    <rect x="3" y="3" width="7" height="9" rx="1.5" />
    <rect x="14" y="3" width="7" height="5" rx="1.5" />
    <rect x="14" y="12" width="7" height="9" rx="1.5" />
    <rect x="3" y="16" width="7" height="5" rx="1.5" />
  </>,
  'IconDashboard',
);
export const IconTerminal = icon(
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="m7 9 3 3-3 3M13 15h4" />
  </>,
  'IconTerminal',
);
export const IconDatabase = icon(
  <>
    <ellipse cx="12" cy="6" rx="8" ry="3" />
    <path d="M4 6v6c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12v6c0 1.7 3.6 3 8 3s8-1.3 8-3v-6" />
  </>,
  'IconDatabase',
);
export const IconRobot = icon(
  <>
    <rect x="5" y="8" width="14" height="11" rx="2.5" />
    <path d="M12 4v4M9 13h.01M15 13h.01M10 16.5h4M3 12v3M21 12v3" />
  </>,
  'IconRobot',
);
export const IconShield = icon(
  <>
    <path d="M12 3 5 6v5c0 4.4 2.9 8.3 7 10 4.1-1.7 7-5.6 7-10V6l-7-3Z" />
    <path d="m9 12 2 2 4-4" />
  </>,
  'IconShield',
);
export const IconSliders = icon(
  <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4" />,
  'IconSliders',
);
export const IconSun = icon(
  <>
    <circle cx="12" cy="12" r="4" />
    <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
  </>,
  'IconSun',
);
export const IconMoon = icon(<path d="M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5Z" />, 'IconMoon');
export const IconPlus = icon(<path d="M12 5v14M5 12h14" />, 'IconPlus');
export const IconRefresh = icon(
  <path d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4" />,
  'IconRefresh',
);
export const IconTrash = icon(
  <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />,
  'IconTrash',
);
export const IconCopy = icon(
  <>
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
  </>,
  'IconCopy',
);
export const IconPlay = icon(<path d="M7 4v16l13-8L7 4Z" />, 'IconPlay');
export const IconDownload = icon(<path d="M12 4v12M7 11l5 5 5-5M5 20h14" />, 'IconDownload');
export const IconChevronRight = icon(<path d="m9 6 6 6-6 6" />, 'IconChevronRight');
export const IconChevronLeft = icon(<path d="m15 6-6 6 6 6" />, 'IconChevronLeft');
export const IconChevronDown = icon(<path d="m6 9 6 6 6-6" />, 'IconChevronDown');
export const IconTable = icon(
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="M3 10h18M9 10v10" />
  </>,
  'IconTable',
);
export const IconColumns = icon(<path d="M5 5h14M5 12h14M5 19h14" />, 'IconColumns');
export const IconAlert = icon(
  <path d="M12 9v4M12 17h.01M10.3 3.9 2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />,
  'IconAlert',
);
export const IconCheck = icon(<path d="m5 12 5 5L20 7" />, 'IconCheck');
export const IconX = icon(<path d="M6 6l12 12M18 6 6 18" />, 'IconX');
export const IconSearch = icon(
  <>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </>,
  'IconSearch',
);
export const IconKey = icon(
  <>
    <circle cx="8" cy="15" r="4" />
    <path d="m11 12 9-9M17 6l3 3M15 8l2 2" />
  </>,
  'IconKey',
);
export const IconChart = icon(
  <path d="M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-3M20 16V6" />,
  'IconChart',
);
export const IconEye = icon(
  <>
    <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12Z" />
    <circle cx="12" cy="12" r="3" />
  </>,
  'IconEye',
);
export const IconEyeOff = icon(
  <path d="M3 3l18 18M10.6 5.1A10 10 0 0 1 12 5c6.4 0 10 7 10 7a17 17 0 0 1-3.2 4M6.6 6.6A17 17 0 0 0 2 12s3.6 7 10 7a9.7 9.7 0 0 0 5.4-1.6M9.9 9.9a3 3 0 0 0 4.2 4.2" />,
  'IconEyeOff',
);
/** Approvals: a checked clipboard. */
export const IconApproval = icon(
  <>
    <rect x="5" y="4" width="14" height="17" rx="2" />
    <path d="M9 4V3h6v1M9 13l2 2 4-4" />
  </>,
  'IconApproval',
);
export const IconBolt = icon(<path d="M13 3 4 14h7l-1 7 9-11h-7l1-7Z" />, 'IconBolt');
export const IconLock = icon(
  <>
    <rect x="5" y="11" width="14" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </>,
  'IconLock',
);
