import type { Metadata } from "next";
import { Suspense } from "react";

import { DialogsView } from "@/components/dialogs/dialogs-view";

export const metadata: Metadata = { title: "Dialogs" };

export default function DialogsPage() {
  return (
    <Suspense>
      <DialogsView />
    </Suspense>
  );
}
