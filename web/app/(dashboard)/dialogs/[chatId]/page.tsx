import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";

import { DialogView } from "@/components/dialogs/dialog-view";

export const metadata: Metadata = { title: "Dialog" };

export default async function DialogPage({ params }: { params: Promise<{ chatId: string }> }) {
  const { chatId } = await params;
  // Telegram chat ids are (possibly negative) 64-bit integers; anything else is not a dialog.
  if (!/^-?\d{1,19}$/.test(chatId)) notFound();
  return (
    <Suspense>
      <DialogView chatId={chatId} />
    </Suspense>
  );
}
