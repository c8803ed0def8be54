// Writes the corpus of the CRM's webhook bodies: each file is exactly what the CRM's webhook job POSTs, the compact
// JSON.stringify of its payload, keys in its order (the shapes are described in docs/delivery-contract.md's "Event
// shapes"). Record events for all five actions, custom objects, workflowRun, unicode and one of about 500 KiB;
// metadata events created, updated and deleted. Run: node make-corpus.js (it writes the files beside itself).
// File names: <eventName>.json, or <eventName>--<what>.json when one type has more than one example.
"use strict";
const fs = require("fs");
const path = require("path");

const WORKSPACE = "20202020-1c25-4d02-bf25-6aeccf7ea419";
const WEBHOOK = "7d6b5b0c-8c8a-4d47-9d0e-6e3a4b0d2f11";
const USER = "20202020-9e3b-46d4-a556-88b9ddc2b034";
const MEMBER = "20202020-0687-4c41-b707-ed1bfca972a7";
const TARGET = "https://receiver.example/hook";
const uuid = (n) => `0b8f3c2e-5a1d-4e7b-9c6f-${String(n).padStart(12, "0")}`;
const objects = {
  person: { id: uuid(9001), nameSingular: "person" },
  company: { id: uuid(9002), nameSingular: "company" },
  opportunity: { id: uuid(9003), nameSingular: "opportunity" },
  note: { id: uuid(9004), nameSingular: "note" },
  workflowRun: { id: uuid(9005), nameSingular: "workflowRun" },
  petOwner: { id: uuid(9006), nameSingular: "petOwner" },
};
const actor = (name, source) => ({ source, workspaceMemberId: source === "MANUAL" ? MEMBER : null, name, context: {} });

function record(eventName, eventDate, rec, { byUser = true, updatedFields } = {}) {
  const object = eventName.split(".")[0];
  const body = { targetUrl: TARGET, eventName, objectMetadata: objects[object], workspaceId: WORKSPACE, webhookId: WEBHOOK, eventDate };
  if (byUser) {
    body.userId = USER;
    body.workspaceMemberId = MEMBER;
  }
  body.record = rec;
  if (updatedFields) body.updatedFields = updatedFields;
  return body;
}

function metadata(eventName, eventDate, recordId, properties) {
  const [, metadataName, action] = eventName.split(".");
  return { targetUrl: TARGET, eventName, workspaceId: WORKSPACE, webhookId: WEBHOOK, eventDate, userId: USER,
    event: { metadataName, recordId, properties, type: action } };
}

const ada = {
  id: uuid(1),
  name: { firstName: "Ada", lastName: "Lovelace" },
  emails: { primaryEmail: "ada@example.com", additionalEmails: null },
  linkedinLink: { primaryLinkUrl: "", primaryLinkLabel: "", secondaryLinks: [] },
  jobTitle: "Analyst",
  city: "London",
  avatarUrl: "",
  position: 3,
  phones: { primaryPhoneNumber: "7700900123", primaryPhoneCountryCode: "GB", primaryPhoneCallingCode: "+44", additionalPhones: null },
  createdBy: actor("Ada Admin", "MANUAL"),
  createdAt: "2025-11-03T09:15:02.118Z",
  updatedAt: "2025-11-03T09:15:02.118Z",
  deletedAt: null,
  companyId: uuid(2),
};
const renamed = { ...ada, name: { firstName: "Augusta Ada", lastName: "King" }, emails: { primaryEmail: "ada.king@example.com", additionalEmails: ["ada@example.com"] }, updatedAt: "2025-11-03T09:17:18.402Z" };
const deleted = { ...renamed, deletedAt: "2025-11-03T10:01:44.870Z", updatedAt: "2025-11-03T10:01:44.870Z" };
const restored = { ...renamed, deletedAt: null, updatedAt: "2025-11-03T10:05:12.031Z" };

const company = {
  id: uuid(2),
  name: "Analytical Engines Ltd",
  domainName: { primaryLinkUrl: "https://engines.example", primaryLinkLabel: "", secondaryLinks: null },
  employees: 42,
  address: { addressStreet1: "12 Marylebone Rd", addressStreet2: "", addressCity: "London", addressState: "", addressPostcode: "NW1 5LR", addressCountry: "United Kingdom", addressLat: 51.5226, addressLng: -0.1571 },
  annualRecurringRevenue: { amountMicros: 1250000000000, currencyCode: "GBP" },
  idealCustomerProfile: true,
  position: 1,
  createdBy: actor("Zapier", "API"),
  createdAt: "2025-10-21T14:02:55.310Z",
  updatedAt: "2025-11-03T09:20:41.006Z",
  deletedAt: null,
  accountOwnerId: MEMBER,
};
const opportunity = {
  id: uuid(3),
  name: "Difference Engine No. 2",
  amount: { amountMicros: 99000000000, currencyCode: "EUR" },
  closeDate: "2025-12-31T00:00:00.000Z",
  stage: "PROPOSAL",
  position: 0.5,
  createdBy: actor("Ada Admin", "MANUAL"),
  createdAt: "2025-09-01T08:00:00.000Z",
  updatedAt: "2025-11-03T11:30:00.250Z",
  deletedAt: "2025-11-03T11:30:00.250Z",
  pointOfContactId: uuid(1),
  companyId: uuid(2),
};
const run = (status, step) => ({
  id: uuid(4),
  name: "#128 - Welcome new people",
  workflowVersionId: uuid(5),
  workflowId: uuid(6),
  enqueuedAt: "2025-11-03T09:15:02.500Z",
  startedAt: "2025-11-03T09:15:02.731Z",
  endedAt: status === "COMPLETED" ? "2025-11-03T09:15:04.090Z" : null,
  status,
  state: { flow: { trigger: { type: "DATABASE_EVENT", settings: { eventName: "person.created" } }, steps: [{ id: "step-1", type: "SEND_EMAIL", name: "Send welcome email" }, { id: "step-2", type: "CREATE_RECORD", name: "Create task" }] }, stepInfos: { "step-1": { status: step >= 1 ? "SUCCESS" : "RUNNING" }, "step-2": { status: step >= 2 ? "SUCCESS" : "NOT_STARTED" } } },
  createdBy: actor("Workflow", "WORKFLOW"),
  position: 128,
  createdAt: "2025-11-03T09:15:02.500Z",
  updatedAt: "2025-11-03T09:15:03.412Z",
  deletedAt: null,
});
const petOwner = { id: uuid(7), name: "Grace Hopper", petCount: 2, favouritePet: "CAT", pets: null, createdBy: actor("Ada Admin", "MANUAL"), createdAt: "2025-11-03T12:00:00.000Z", updatedAt: "2025-11-03T12:00:00.000Z", deletedAt: null, position: 0 };
const unicodeNote = {
  id: uuid(8),
  title: "Gặp khách hàng ở Hà Nội 🇻🇳 — 会议记录 · Überprüfung · مراجعة",
  bodyV2: { blocknote: JSON.stringify([{ type: "paragraph", content: [{ type: "text", text: "Tóm tắt: khách muốn «ổn định» trước Tết 🧧; 👩🏽‍💻 follow-up\u2028next line" }] }]), markdown: "Tóm tắt: khách muốn «ổn định» trước Tết 🧧; 👩🏽‍💻 follow-up\u2028next line" },
  position: 7,
  createdBy: actor("Trần Thị Ánh", "MANUAL"),
  createdAt: "2025-11-04T02:11:09.004Z",
  updatedAt: "2025-11-04T02:11:09.004Z",
  deletedAt: null,
};
// About 500 KiB: a long meeting note, as the CRM keeps rich text (BlockNote JSON in a string, and markdown).
const paragraphs = [];
for (let i = 0; paragraphs.length < 1160; i++) {
  paragraphs.push({ id: `block-${i}`, type: "paragraph", props: { textColor: "default", backgroundColor: "default", textAlignment: "left" }, content: [{ type: "text", text: `Point ${i}: the engine's mill and store were discussed "in detail", with tables of Bernoulli numbers.`, styles: {} }], children: [] });
}
const largeNote = {
  id: uuid(10),
  title: "Board meeting minutes",
  bodyV2: { blocknote: JSON.stringify(paragraphs), markdown: paragraphs.map((p) => p.content[0].text).join("\n\n") },
  position: 8,
  createdBy: actor("Ada Admin", "MANUAL"),
  createdAt: "2025-11-05T16:00:00.000Z",
  updatedAt: "2025-11-05T16:00:00.000Z",
  deletedAt: null,
};

const field = { id: uuid(11), type: "TEXT", name: "nickname", label: "Nickname", description: null, icon: "IconUser", isCustom: true, isActive: true, isNullable: true, defaultValue: null, objectMetadataId: objects.person.id, workspaceId: WORKSPACE, createdAt: "2025-11-06T08:00:00.000Z", updatedAt: "2025-11-06T08:00:00.000Z" };
const objectBefore = { id: objects.petOwner.id, nameSingular: "petOwner", namePlural: "petOwners", labelSingular: "Pet owner", labelPlural: "Pet owners", description: null, icon: "IconPaw", isCustom: true, isActive: true, workspaceId: WORKSPACE };
const objectAfter = { ...objectBefore, labelSingular: "Pet parent", labelPlural: "Pet parents" };

const corpus = {
  "person.created": record("person.created", "2025-11-03T09:15:02.204Z", ada),
  "person.updated": record("person.updated", "2025-11-03T09:17:18.443Z", renamed, { updatedFields: ["name", "emails"] }),
  "person.deleted": record("person.deleted", "2025-11-03T10:01:44.913Z", deleted),
  "person.destroyed": record("person.destroyed", "2025-11-03T10:03:00.002Z", deleted),
  "person.restored": record("person.restored", "2025-11-03T10:05:12.077Z", restored),
  "company.updated": record("company.updated", "2025-11-03T09:20:41.050Z", company, { byUser: false, updatedFields: ["employees", "annualRecurringRevenue"] }),
  "opportunity.deleted": record("opportunity.deleted", "2025-11-03T11:30:00.301Z", opportunity),
  "petOwner.created": record("petOwner.created", "2025-11-03T12:00:00.044Z", petOwner),
  "workflowRun.created": record("workflowRun.created", "2025-11-03T09:15:02.540Z", run("NOT_STARTED", 0), { byUser: false }),
  "workflowRun.updated": record("workflowRun.updated", "2025-11-03T09:15:03.460Z", run("RUNNING", 1), { byUser: false, updatedFields: ["status", "state"] }),
  "note.created--unicode": record("note.created", "2025-11-04T02:11:09.051Z", unicodeNote),
  "note.created--large": record("note.created", "2025-11-05T16:00:00.120Z", largeNote),
  "metadata.fieldMetadata.created": metadata("metadata.fieldMetadata.created", "2025-11-06T08:00:00.090Z", field.id, { after: field }),
  "metadata.objectMetadata.updated": metadata("metadata.objectMetadata.updated", "2025-11-06T08:05:00.310Z", objectAfter.id, { before: objectBefore, after: objectAfter, updatedFields: ["labelSingular", "labelPlural"], diff: { labelSingular: { before: "Pet owner", after: "Pet parent" }, labelPlural: { before: "Pet owners", after: "Pet parents" } } }),
  "metadata.fieldMetadata.deleted": metadata("metadata.fieldMetadata.deleted", "2025-11-06T09:00:00.777Z", field.id, { before: field }),
};
for (const [name, body] of Object.entries(corpus)) {
  fs.writeFileSync(path.join(__dirname, `${name}.json`), JSON.stringify(body));
}
