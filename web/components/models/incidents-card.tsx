import { ShieldCheckIcon } from "lucide-react";

import { EmptyState } from "@/components/empty-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { Incident } from "@/lib/api/types";
import { formatDateTime, formatDuration } from "@/lib/format";

export function IncidentsCard({ incidents, now }: { incidents: Incident[]; now: number }) {
  return (
    <Card className="gap-3" data-testid="incidents">
      <CardHeader>
        <CardTitle className="text-base">Both-down incidents</CardTitle>
        <CardDescription>Periods when no model could answer; questions wait for a model to recover</CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        {incidents.length === 0 ? (
          <EmptyState icon={ShieldCheckIcon} title="No incidents in this range">
            At least one model could answer at every moment.
          </EmptyState>
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5">Started</TableHead>
                <TableHead>Ended</TableHead>
                <TableHead className="pr-5 text-right">Duration</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {incidents.map((incident) => (
                <TableRow key={incident.started_at}>
                  <TableCell className="pl-5 tabular">{formatDateTime(incident.started_at)}</TableCell>
                  <TableCell className="tabular">
                    {incident.ended_at ? formatDateTime(incident.ended_at) : <Badge variant="destructive">ongoing</Badge>}
                  </TableCell>
                  <TableCell className="pr-5 text-right tabular">
                    {formatDuration(
                      incident.duration_seconds ?? (now - Date.parse(incident.started_at)) / 1000,
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
