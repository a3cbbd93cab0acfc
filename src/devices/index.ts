// Boards: discovery, flashing, serial monitoring, and emulated boards (plain Node modules).
//
// The API the bench (issue 7) and the CLI build on:
//
//   const virtual = await createVirtualBoards('esp8266:2,cc3200:1', { pace: false });
//     // virtual.boards[i]: { id, path, emulator, link, plug(), unplug(), reset(into) }
//     // virtual.binding: a serialport binding that opens them in-process
//     // transport: 'pty' puts each on a real tty (socat) instead; virtual.close() ends them
//
//   const discovery = new Discovery({ sources: [serialportSource(), virtualSource(virtual)] });
//   discovery.on('added', (board) => …).on('removed', …).on('status', …);
//   await discovery.start();          // first scan done, probes included; polls every 1.5 s
//   discovery.boards();               // Board[]: id, type, port, chip, mac, flashSize, usb, virtual
//   discovery.endpoint(board.id);     // { path, binding }: how to open its port
//   discovery.stop();
//
//   const plan = await loadFlashPlan(bytes, 'fw.zip', { address, platform });  // validated, 400 if bad
//   const result = await flashBoard({ endpoint, board, plan, baud: 460800,
//     before: 'default_reset', after: 'hard_reset', signal, onProgress: (p) => …, log });
//     // ESP: esptool-js, compressed, MD5-verified, our reset into the app. CC3200: our client.
//     // Errors: BadRequestError (image/board mismatch, nothing written), NoSyncError,
//     // PortLostError (within 5 s of an unplug), VerifyFailedError, CancelledError (signal).
//
//   const monitor = new SerialMonitor({ resolve: () => discovery.endpoint(id), baud: 115200 });
//   monitor.on('line', ({ time, text }) => …); await monitor.start(); … await monitor.stop();
//     // survives replugs (re-resolves the port), setBaud(), setLines(), write()
//
// After a reset, an emulated board prints a banner and `app: name=… version=… md5=… size=…`,
// so a test script can check over serial which firmware runs.

export { createVirtualBoards, parseVirtualSpec, type VirtualBoardSet, type VirtualBoardsOptions, type VirtualKind } from './emulator/virtual-boards';
export { VirtualBoard } from './emulator/virtual-board';
export { Esp8266Emulator, type Esp8266Options, type Esp8266Faults } from './emulator/esp8266-emulator';
export { Cc3200Emulator, type Cc3200Options, type Cc3200Faults } from './emulator/cc3200-emulator';

export { Discovery, type Board, type DiscoveryOptions, type DiscoveryStatus } from './discovery/discovery';
export { serialportSource, udevadmSource, cannedUdevadm, virtualSource, type ListSource, type ListedPort } from './discovery/list-source';
export { defaultProber, probeEsp, probeCc3200, type Prober, type ProbeResult } from './discovery/probe';
export { boardIdOf } from './discovery/board-id';

export { flashBoard, type FlashBoardOptions, type FlashBoardResult } from './flash-board';
export type { FlashProgress } from './flash-progress';
export { flashEsp, type EspFlashOptions, type EspFlashResult } from './esp/esp-flasher';
export { flashCc3200, type Cc3200FlashOptions, type Cc3200FlashResult } from './cc3200/cc3200-flasher';
export type { Before, After } from './esp/esp-session';

export { loadFlashPlan, checkPlanForBoard, CC3200_APP_FILE, type FlashPlan, type PlanPart, type PlanOptions } from './images/flash-plan';
export { parseEspImage, type EspImageInfo } from './images/esp-image';
export { buildEsp8266Image, sampleFirmware, appDescriptor, firmwareLikeBytes } from './images/esp-image-build';
export { sampleCc3200App, validateCc3200App } from './images/cc3200-image';
export { appInfoOf } from './images/app-info';

export { SerialMonitor, type MonitorLine, type MonitorState, type SerialMonitorOptions } from './serial/serial-monitor';
export { openPort, closePort, nativeEndpoint, type SerialEndpoint } from './serial/open-port';
export { LineControl, LineControlUnsupportedError } from './serial/line-control';
export type { LineState } from './serial/line-state';

export { PortLostError, NoSyncError, VerifyFailedError, BootloaderError } from './device-errors';
export { fetchBlob, parseBlobRef } from './remote/fetch-blob';
export { chooseBoardRoute, type BoardRoute } from './remote/board-route';
export { openBoardAccess, pickBoard, type BoardAccess, type BoardAccessOptions, type BoardTarget } from './board-access';
