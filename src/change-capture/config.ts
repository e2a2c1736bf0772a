/** The worker's change-capture settings: their schema is in src/config/change-capture.ts with the others. */
export { type ChangeCaptureConfig, loadChangeCaptureConfig } from '../config/change-capture';
