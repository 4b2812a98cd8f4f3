import { BotIcon, LayoutDashboardIcon, MessagesSquareIcon, UsersIcon, type LucideIcon } from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Overview", icon: LayoutDashboardIcon },
  { href: "/dialogs", label: "Dialogs", icon: MessagesSquareIcon },
  { href: "/models", label: "Models", icon: BotIcon },
  { href: "/users", label: "Users", icon: UsersIcon },
];

/** Whether `pathname` is within the section `href` ("/dialogs/42" is in "/dialogs"). */
export function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}
