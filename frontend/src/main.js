// Progressive enhancement shared by every public page; each page works without it.
import { enhanceLanguageSwitcher } from "./language_switcher.js";

enhanceLanguageSwitcher(document);
