import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import { cn } from "@/lib/utils";

/** A titled card around a chart, with its skeleton while the data loads. */
export function ChartCard({
  title,
  description,
  action,
  loading,
  failed,
  className,
  children,
  testId,
}: {
  title: string;
  description?: React.ReactNode;
  action?: React.ReactNode;
  loading?: boolean;
  /** Loading failed and there is nothing to show: say so instead of a skeleton forever. */
  failed?: boolean;
  className?: string;
  children: React.ReactNode;
  testId?: string;
}) {
  return (
    <Card className={cn("min-w-0", className)} data-testid={testId}>
      <CardHeader>
        <CardTitle className="text-base">{title}</CardTitle>
        {description && <CardDescription>{description}</CardDescription>}
        {action && <CardAction>{action}</CardAction>}
      </CardHeader>
      <CardContent className="min-w-0">
        {failed ? <Unavailable className="h-56" /> : loading ? <Skeleton className="h-64 w-full" /> : children}
      </CardContent>
    </Card>
  );
}
